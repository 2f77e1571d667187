using System.Buffers;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST chat/completions</c>: OpenAI's chat completions over the engine's generation (a catalog model of the chat
/// or text-generation task, its chat template). The messages pass to the engine as the <c>input</c> list of messages
/// (<c>developer</c> becomes <c>system</c>); the sampling fields map through <see cref="OpenAiSampling"/>. The answer is
/// a <c>chat.completion</c>, or with <c>stream</c> a Server-Sent Events stream of <c>chat.completion.chunk</c>s.
/// </summary>
public static class OpenAiChatApi
{
    private const string Endpoint = "chat/completions";
    private const string Example = "{\"model\": \"org/name\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";
    private static readonly string[] RouteFields = ["model", "messages", "stream", "stream_options"];
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    /// <summary>Maps the route onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiChat(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/chat/completions", CompleteAsync);
        return api;
    }

    private static async Task CompleteAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, Example).ConfigureAwait(false);

        string? modelId = null;
        JsonElement? messages = null;
        var stream = false;
        var includeUsage = false;
        var sampling = new OpenAiSampling(OpenAiEndpoint.ChatCompletions);
        foreach (var field in body.EnumerateObject())
        {
            switch (field.Name)
            {
                case "model":
                    modelId = OpenAiGeneration.ModelField(field.Value);
                    break;
                case "messages":
                    messages = field.Value;
                    break;
                case "stream":
                    stream = Arguments.Bool(field.Value, "stream") ?? false;
                    break;
                case "stream_options":
                    includeUsage = ReadStreamOptions(field.Value);
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
        var request = new RunRequest { Input = ReadMessages(messages), Params = sampling.ToParams() };
        var id = OpenAiGeneration.NewId("chatcmpl-");
        var created = OpenAiGeneration.Now();
        var updates = await engine.StartGenerationAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
        if (stream)
        {
            var chunks = new ChunkWriter(id, created, model.Id, sampling.Logprobs, includeUsage);
            await ServerSentEvents.RunAsync(context, events => chunks.WriteAsync(events, updates, sampling.Stop, sampling.Copies, context.RequestAborted)).ConfigureAwait(false);
            return;
        }

        var answers = await OpenAiGeneration.FoldAsync(updates, sampling.Stop, sampling.Copies, 0, context.RequestAborted).ConfigureAwait(false);
        await OpenAiApi.WriteJsonAsync(context, w => WriteCompletion(w, id, created, model.Id, answers, sampling.Logprobs)).ConfigureAwait(false);
    }

    /// <summary><c>stream_options</c>: <c>include_usage</c> is read; other options (<c>include_obfuscation</c>) are accepted and ignored.</summary>
    private static bool ReadStreamOptions(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Arguments.Bad("stream_options", "an object such as {\"include_usage\": true}", value);
        }

        return value.TryGetProperty("include_usage", out var include) && (Arguments.Bool(include, "stream_options.include_usage") ?? false);
    }

    /// <summary>
    /// Checks the messages and gives them to the engine as its <c>input</c> list: roles system, developer (as
    /// system), user, assistant and tool; content a string, text parts, or null (an assistant's tool calls); other
    /// fields (<c>tool_calls</c>, <c>tool_call_id</c>, <c>name</c>) pass through unchanged.
    /// </summary>
    private static JsonElement ReadMessages(JsonElement? messages)
    {
        if (messages is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0)
        {
            throw EngineException.BadInput($"{Endpoint} needs `messages`: a non-empty list such as [{{\"role\": \"user\", \"content\": \"Hello\"}}].");
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            var index = 0;
            foreach (var message in list.EnumerateArray())
            {
                WriteMessage(w, message, index++);
            }

            w.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteMessage(Utf8JsonWriter w, JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"messages[{index}] must be an object {{\"role\", \"content\"}}.");
        }

        var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null;
        if (role is null || !Roles.Contains(role))
        {
            throw EngineException.BadInput($"messages[{index}].role must be one of {string.Join(", ", Roles)}; got {(role is null ? "none" : $"\"{role}\"")}.");
        }

        if (message.TryGetProperty("content", out var content))
        {
            CheckContent(content, index);
        }

        w.WriteStartObject();
        w.WriteString("role", role == "developer" ? "system" : role);
        foreach (var property in message.EnumerateObject())
        {
            if (property.Name != "role")
            {
                property.WriteTo(w);
            }
        }

        w.WriteEndObject();
    }

    private static void CheckContent(JsonElement content, int index)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.Null:
                return;
            case JsonValueKind.Array:
                foreach (var part in content.EnumerateArray())
                {
                    var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    if (type == "text")
                    {
                        continue;
                    }

                    throw type is null
                        ? EngineException.BadInput($"messages[{index}].content parts must be objects {{\"type\": \"text\", \"text\": \"...\"}}.")
                        : EngineException.NotSupported(
                            $"messages[{index}] has a '{type}' content part; this server's chat models read text only (parts {{\"type\": \"text\", \"text\": \"...\"}}).");
                }

                return;
            default:
                throw EngineException.BadInput($"messages[{index}].content must be a string or a list of text parts; got {Arguments.Describe(content)}.");
        }
    }

    private static void WriteCompletion(Utf8JsonWriter w, string id, long created, string model, List<OpenAiGeneration.Answer> answers, bool logprobs)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        foreach (var answer in answers)
        {
            w.WriteStartObject();
            w.WriteNumber("index", answer.Index);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            w.WriteString("content", answer.Text.Length == 0 && answer.ToolCalls.Count > 0 ? null : answer.Text);
            w.WriteNull("refusal");
            if (answer.Reasoning is { } reasoning)
            {
                w.WriteString("reasoning_content", reasoning);
            }

            if (answer.ToolCalls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var call in answer.ToolCalls)
                {
                    OpenAiGeneration.WriteToolCall(w, call);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WritePropertyName("logprobs");
            WriteLogprobs(w, logprobs ? answer.Logprobs ?? [] : null);
            w.WriteString("finish_reason", OpenAiGeneration.FinishReason(answer.Finish, answer.ToolCalls.Count > 0));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        OpenAiGeneration.WriteUsage(w, answers.Count > 0 ? answers[0].PromptTokens : 0, answers.Sum(a => a.GeneratedTokens));
        w.WriteString("system_fingerprint", OpenAiGeneration.Fingerprint);
        w.WriteEndObject();
    }

    /// <summary>Chat's <c>logprobs</c>: <c>{"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}</c>, or null when not asked.</summary>
    private static void WriteLogprobs(Utf8JsonWriter w, IReadOnlyList<TokenLogprob>? logprobs)
    {
        if (logprobs is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        w.WriteStartArray("content");
        foreach (var token in logprobs)
        {
            w.WriteStartObject();
            WriteToken(w, token.Token, token.Logprob);
            w.WriteStartArray("top_logprobs");
            foreach (var top in token.Top)
            {
                w.WriteStartObject();
                WriteToken(w, top.Token, top.Logprob);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNull("refusal");
        w.WriteEndObject();
    }

    /// <summary><c>token</c>, <c>logprob</c> and <c>bytes</c> (the UTF-8 bytes of the token's text).</summary>
    private static void WriteToken(Utf8JsonWriter w, string token, float logprob)
    {
        w.WriteString("token", token);
        w.WriteNumber("logprob", logprob);
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            w.WriteNumberValue(b);
        }

        w.WriteEndArray();
    }

    /// <summary>Writes the chunks of one streamed chat completion.</summary>
    private sealed class ChunkWriter(string id, long created, string model, bool logprobs, bool includeUsage)
    {
        public async Task WriteAsync(ServerSentEvents events, IAsyncEnumerable<GenerationUpdate> updates, IReadOnlyList<string> stops, int copies, CancellationToken cancellationToken)
        {
            var started = new HashSet<int>();
            var calls = new Dictionary<int, int>();
            var trimmers = new Dictionary<int, StopTrimmer>();
            var promptTokens = 0;
            var generated = new Dictionary<int, int>();
            await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                promptTokens = update.PromptTokens;
                if (!trimmers.TryGetValue(update.Index, out var trimmer))
                {
                    trimmers[update.Index] = trimmer = new StopTrimmer(stops);
                }

                var text = trimmer.Next(update.Text, update.Finish);
                for (var c = 0; c < copies; c++)
                {
                    var index = (update.Index * copies) + c;
                    generated[index] = update.GeneratedTokens;
                    if (started.Add(index))
                    {
                        await events.WriteAsync(w => Chunk(w, index, role: true, content: string.Empty, null, null)).ConfigureAwait(false);
                    }

                    if (update.Reasoning is { Length: > 0 } thinking)
                    {
                        await events.WriteAsync(w => Chunk(w, index, role: false, content: null, null, null, reasoning: thinking)).ConfigureAwait(false);
                    }

                    if (text.Length > 0 || update.Logprobs is { Count: > 0 })
                    {
                        await events.WriteAsync(w => Chunk(w, index, role: false, text, update.Logprobs, null)).ConfigureAwait(false);
                    }

                    foreach (var call in update.ToolCalls ?? [])
                    {
                        var callIndex = calls.TryGetValue(index, out var made) ? made : 0;
                        calls[index] = callIndex + 1;
                        await events.WriteAsync(w => Chunk(w, index, role: false, content: null, null, null, call: (call, callIndex))).ConfigureAwait(false);
                    }

                    if (update.Finish is { } finish)
                    {
                        var reason = OpenAiGeneration.FinishReason(finish, calls.ContainsKey(index));
                        await events.WriteAsync(w => Chunk(w, index, role: false, content: null, null, reason)).ConfigureAwait(false);
                    }
                }
            }

            if (includeUsage)
            {
                await events.WriteAsync(w => Usage(w, promptTokens, generated.Values.Sum())).ConfigureAwait(false);
            }
        }

        private void Start(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion.chunk");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteString("system_fingerprint", OpenAiGeneration.Fingerprint);
        }

        private void Chunk(
            Utf8JsonWriter w, int index, bool role, string? content, IReadOnlyList<TokenLogprob>? tokens, string? finish,
            string? reasoning = null, (Engine.Generation.Tools.ChatToolCall Call, int Index)? call = null)
        {
            Start(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            if (role)
            {
                w.WriteString("role", "assistant");
            }

            if (content is not null)
            {
                w.WriteString("content", content);
            }

            if (reasoning is not null)
            {
                w.WriteString("reasoning_content", reasoning);
            }

            if (call is { } made)
            {
                w.WriteStartArray("tool_calls");
                OpenAiGeneration.WriteToolCall(w, made.Call, made.Index);
                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WritePropertyName("logprobs");
            WriteLogprobs(w, logprobs && !role && finish is null ? tokens ?? [] : null);
            w.WriteString("finish_reason", finish);
            w.WriteEndObject();
            w.WriteEndArray();
            if (includeUsage)
            {
                w.WriteNull("usage");
            }

            w.WriteEndObject();
        }

        private void Usage(Utf8JsonWriter w, int promptTokens, int completionTokens)
        {
            Start(w);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            OpenAiGeneration.WriteUsage(w, promptTokens, completionTokens);
            w.WriteEndObject();
        }
    }
}
