using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST completions</c>, OpenAI's legacy text completions, over the engine's text continuation (a prompt
/// continued without a chat template, <c>return_full_text</c> false unless <c>echo</c>). <c>prompt</c> is a string or a
/// list of strings (each gives <c>n</c> choices, numbered prompt by prompt); token-id prompts, <c>suffix</c>,
/// <c>best_of</c> other than 1 and <c>echo</c> with <c>logprobs</c> are refused. The answer is a <c>text_completion</c>,
/// or with <c>stream</c> a Server-Sent Events stream of them.
/// </summary>
public static class OpenAiCompletionsApi
{
    /// <summary>The most prompts one request may hold.</summary>
    public const int MaxPrompts = 32;

    private const string Endpoint = "completions";
    private const string Example = "{\"model\": \"org/name\", \"prompt\": \"Once upon a time\", \"max_tokens\": 16}";
    private static readonly string[] RouteFields = ["model", "prompt", "stream", "stream_options", "echo", "suffix", "best_of"];

    /// <summary>Maps the route onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiCompletions(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/completions", CompleteAsync);
        return api;
    }

    private static async Task CompleteAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, Example).ConfigureAwait(false);

        string? modelId = null;
        JsonElement? prompt = null;
        var stream = false;
        var includeUsage = false;
        var echo = false;
        var sampling = new OpenAiSampling(OpenAiEndpoint.Completions);
        foreach (var field in body.EnumerateObject())
        {
            switch (field.Name)
            {
                case "model":
                    modelId = OpenAiGeneration.ModelField(field.Value);
                    break;
                case "prompt":
                    prompt = field.Value;
                    break;
                case "stream":
                    stream = Arguments.Bool(field.Value, "stream") ?? false;
                    break;
                case "stream_options":
                    includeUsage = field.Value.ValueKind == JsonValueKind.Object && field.Value.TryGetProperty("include_usage", out var include)
                        && (Arguments.Bool(include, "stream_options.include_usage") ?? false);
                    break;
                case "echo":
                    echo = Arguments.Bool(field.Value, "echo") ?? false;
                    break;
                case "suffix":
                    if (field.Value.ValueKind is not JsonValueKind.Null && Arguments.String(field.Value, "suffix") is { Length: > 0 })
                    {
                        throw EngineException.NotSupported("Parameter `suffix` (insertion) is not supported.");
                    }

                    break;
                case "best_of":
                    if (field.Value.ValueKind is not JsonValueKind.Null && Arguments.Int(field.Value, "best_of", 1, OpenAiSampling.MaxN) != 1)
                    {
                        throw EngineException.NotSupported("Parameter `best_of` other than 1 is not supported; use `n` for several answers.");
                    }

                    break;
                default:
                    if (!sampling.Read(field))
                    {
                        throw OpenAiSampling.Unknown(field.Name, Endpoint, RouteFields);
                    }

                    break;
            }
        }

        var model = OpenAiGeneration.FindModel(engine, modelId, Endpoint);
        var prompts = ReadPrompts(prompt);
        if (echo && sampling.Logprobs)
        {
            throw EngineException.NotSupported("`echo` with `logprobs` is not supported: the prompt's own log-probabilities are not computed.");
        }

        var parameters = sampling.ToParams(echo);
        var id = OpenAiGeneration.NewId("cmpl-");
        var created = OpenAiGeneration.Now();
        var perPrompt = sampling.N;
        RunRequest Request(int i) => new() { Text = prompts[i], Params = parameters };
        var first = await engine.StartGenerationAsync(model.Id, Request(0), context.RequestAborted).ConfigureAwait(false);
        if (stream)
        {
            var writer = new ChunkWriter(id, created, model.Id, sampling.Logprobs, sampling.Stop);
            await ServerSentEvents.RunAsync(context, async events =>
            {
                var promptTokens = 0;
                var completionTokens = 0;
                for (var i = 0; i < prompts.Count; i++)
                {
                    var updates = i == 0 ? first : await engine.StartGenerationAsync(model.Id, Request(i), context.RequestAborted).ConfigureAwait(false);
                    var (p, c) = await writer.WriteAsync(events, updates, sampling.Copies, i * perPrompt, context.RequestAborted).ConfigureAwait(false);
                    promptTokens += p;
                    completionTokens += c;
                }

                if (includeUsage)
                {
                    await events.WriteAsync(w => writer.Usage(w, promptTokens, completionTokens)).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return;
        }

        var answers = new List<OpenAiGeneration.Answer>();
        var promptTotal = 0;
        for (var i = 0; i < prompts.Count; i++)
        {
            var updates = i == 0 ? first : await engine.StartGenerationAsync(model.Id, Request(i), context.RequestAborted).ConfigureAwait(false);
            var folded = await OpenAiGeneration.FoldAsync(updates, sampling.Stop, sampling.Copies, i * perPrompt, context.RequestAborted).ConfigureAwait(false);
            promptTotal += folded.Count > 0 ? folded[0].PromptTokens : 0;
            answers.AddRange(folded);
        }

        await OpenAiApi.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "text_completion");
            w.WriteNumber("created", created);
            w.WriteString("model", model.Id);
            w.WriteStartArray("choices");
            foreach (var answer in answers)
            {
                w.WriteStartObject();
                w.WriteString("text", answer.Text);
                w.WriteNumber("index", answer.Index);
                w.WritePropertyName("logprobs");
                WriteLogprobs(w, sampling.Logprobs ? answer.Logprobs ?? [] : null, 0);
                w.WriteString("finish_reason", OpenAiGeneration.FinishReason(answer.Finish));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            OpenAiGeneration.WriteUsage(w, promptTotal, answers.Sum(a => a.GeneratedTokens));
            w.WriteString("system_fingerprint", OpenAiGeneration.Fingerprint);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary><c>prompt</c>: a string or a non-empty list of strings; token ids are refused.</summary>
    private static List<string> ReadPrompts(JsonElement? prompt)
    {
        switch (prompt)
        {
            case { ValueKind: JsonValueKind.String } one:
                return [one.GetString()!];
            case { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() > 0:
                if (list.EnumerateArray().Any(e => e.ValueKind is JsonValueKind.Number or JsonValueKind.Array))
                {
                    throw EngineException.NotSupported("`prompt` as token ids is not supported; send the prompt as a string or a list of strings.");
                }

                if (list.GetArrayLength() > MaxPrompts)
                {
                    throw EngineException.BadInput($"`prompt` holds {list.GetArrayLength()} prompts; at most {MaxPrompts} are allowed in one request.");
                }

                return [.. list.EnumerateArray().Select((e, i) => Arguments.String(e, $"prompt[{i}]")
                    ?? throw EngineException.BadInput($"`prompt[{i}]` must be a string."))];
            default:
                throw EngineException.BadInput($"{Endpoint} needs `prompt`: a string or a non-empty list of strings, such as \"Once upon a time\".");
        }
    }

    /// <summary>
    /// The legacy <c>logprobs</c> object: <c>{tokens, token_logprobs, top_logprobs, text_offset}</c>, each token's offset
    /// counted in characters from <paramref name="offset"/>; <c>top_logprobs</c> is null when no alternatives were asked.
    /// </summary>
    private static int WriteLogprobs(Utf8JsonWriter w, IReadOnlyList<TokenLogprob>? logprobs, int offset)
    {
        if (logprobs is null)
        {
            w.WriteNullValue();
            return offset;
        }

        w.WriteStartObject();
        w.WriteStartArray("tokens");
        foreach (var t in logprobs)
        {
            w.WriteStringValue(t.Token);
        }

        w.WriteEndArray();
        w.WriteStartArray("token_logprobs");
        foreach (var t in logprobs)
        {
            w.WriteNumberValue(t.Logprob);
        }

        w.WriteEndArray();
        w.WritePropertyName("top_logprobs");
        if (logprobs.Any(t => t.Top.Count > 0))
        {
            w.WriteStartArray();
            foreach (var t in logprobs)
            {
                w.WriteStartObject();
                foreach (var top in t.Top)
                {
                    w.WriteNumber(top.Token, top.Logprob);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteStartArray("text_offset");
        foreach (var t in logprobs)
        {
            w.WriteNumberValue(offset);
            offset += t.Token.Length;
        }

        w.WriteEndArray();
        w.WriteEndObject();
        return offset;
    }

    /// <summary>Writes the <c>text_completion</c> chunks of one streamed completion.</summary>
    private sealed class ChunkWriter(string id, long created, string model, bool logprobs, IReadOnlyList<string> stops)
    {
        private readonly Dictionary<int, int> _offsets = [];

        /// <summary>Writes the chunks of one prompt's choices; answers its prompt tokens and its generated tokens.</summary>
        public async Task<(int Prompt, int Generated)> WriteAsync(
            ServerSentEvents events, IAsyncEnumerable<GenerationUpdate> updates, int copies, int indexBase, CancellationToken cancellationToken)
        {
            var promptTokens = 0;
            var generated = new Dictionary<int, int>();
            var trimmers = new Dictionary<int, StopTrimmer>();
            await foreach (var raw in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                promptTokens = raw.PromptTokens;
                if (!trimmers.TryGetValue(raw.Index, out var trimmer))
                {
                    trimmers[raw.Index] = trimmer = new StopTrimmer(stops);
                }

                var update = raw with { Text = trimmer.Next(raw.Text, raw.Finish) };
                for (var c = 0; c < copies; c++)
                {
                    var index = indexBase + (update.Index * copies) + c;
                    generated[index] = update.GeneratedTokens;
                    if (update.Text.Length > 0 || update.Finish is not null || update.Logprobs is { Count: > 0 })
                    {
                        await events.WriteAsync(w => Chunk(w, index, update)).ConfigureAwait(false);
                    }
                }
            }

            return (promptTokens, generated.Values.Sum());
        }

        private void Start(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "text_completion");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteString("system_fingerprint", OpenAiGeneration.Fingerprint);
        }

        private void Chunk(Utf8JsonWriter w, int index, GenerationUpdate update)
        {
            Start(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteString("text", update.Text);
            w.WriteNumber("index", index);
            w.WritePropertyName("logprobs");
            _offsets[index] = WriteLogprobs(w, logprobs ? update.Logprobs ?? [] : null, _offsets.GetValueOrDefault(index));
            w.WriteString("finish_reason", OpenAiGeneration.FinishReason(update.Finish));
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        /// <summary>The last chunk when <c>stream_options.include_usage</c>: no choices, the usage of the whole request.</summary>
        public void Usage(Utf8JsonWriter w, int promptTokens, int completionTokens)
        {
            Start(w);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            OpenAiGeneration.WriteUsage(w, promptTokens, completionTokens);
            w.WriteEndObject();
        }
    }
}
