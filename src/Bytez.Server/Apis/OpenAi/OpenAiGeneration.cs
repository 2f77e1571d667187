using System.Reflection;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// What the OpenAI generation routes (chat completions, legacy completions) share: the model check, the ids and
/// times of answers, <c>finish_reason</c>, <c>usage</c>, and the fold of the engine's updates into whole answers.
/// </summary>
public static class OpenAiGeneration
{
    /// <summary>The tasks whose models generate text token by token, which chat and completions need.</summary>
    public static IReadOnlyList<string> GeneratingTasks { get; } = [BytezTasks.Chat, BytezTasks.TextGeneration];

    /// <summary>The answers' <c>system_fingerprint</c>: this server's build, which with the seed decides sampled answers.</summary>
    public static string Fingerprint { get; } = "bytez-" + (typeof(OpenAiGeneration).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev");

    /// <summary>The catalog model named by <c>model</c>, which must generate text.</summary>
    /// <exception cref="EngineException">No model is named (BadInput), the model is unknown (NotFound: 404 <c>model_not_found</c>) or of another task (BadInput).</exception>
    public static ModelDescriptor FindModel(InferenceEngine engine, string? modelId, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (string.IsNullOrEmpty(modelId))
        {
            throw EngineException.BadInput($"{endpoint} needs `model`: the id of a catalog model of the chat or text-generation task (GET /v1/models lists them).");
        }

        var model = engine.FindModel(modelId);
        return GeneratingTasks.Contains(model.Task)
            ? model
            : throw EngineException.BadInput(
                $"The model {model.Id} runs '{model.Task}', not text generation; {endpoint} needs a model of the chat or text-generation task.");
    }

    /// <summary>The <c>model</c> field: a string.</summary>
    public static string? ModelField(JsonElement value) => Arguments.String(value, "model");

    /// <summary>A new answer id with OpenAI's prefix (<c>chatcmpl-</c>, <c>cmpl-</c>).</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");

    /// <summary>Now, in Unix seconds (an answer's <c>created</c>).</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>OpenAI's <c>finish_reason</c> of an answer that called tools: "tool_calls" unless the budget cut it.</summary>
    public static string? FinishReason(Engine.Generation.FinishReason? finish, bool calledTools) =>
        calledTools && finish is Engine.Generation.FinishReason.EndOfSequence or Engine.Generation.FinishReason.StopString ? "tool_calls" : FinishReason(finish);

    /// <summary>Writes a tool call as chat's <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>, with <c>index</c> when streaming.</summary>
    public static void WriteToolCall(Utf8JsonWriter writer, Engine.Generation.Tools.ChatToolCall call, int? index = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(call);
        writer.WriteStartObject();
        if (index is { } i)
        {
            writer.WriteNumber("index", i);
        }

        writer.WriteString("id", call.Id);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", call.Name);
        writer.WriteString("arguments", call.Arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>OpenAI's <c>finish_reason</c>: "stop" for the end-of-sequence token or a stop string, "length" for the token budget or time.</summary>
    public static string? FinishReason(Engine.Generation.FinishReason? finish) => finish switch
    {
        Engine.Generation.FinishReason.EndOfSequence or Engine.Generation.FinishReason.StopString => "stop",
        Engine.Generation.FinishReason.Length or Engine.Generation.FinishReason.Time => "length",
        _ => null,
    };

    /// <summary>Writes <c>usage</c>: <c>{prompt_tokens, completion_tokens, total_tokens}</c>.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, int promptTokens, int completionTokens)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteNumber("completion_tokens", completionTokens);
        writer.WriteNumber("total_tokens", promptTokens + completionTokens);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Folds the engine's updates into whole answers, one per sequence, each repeated <paramref name="copies"/> times
    /// (greedy <c>n</c> &gt; 1), without the stop string that ended it; <paramref name="indexBase"/> numbers the choices of a later prompt after those of the earlier ones.
    /// </summary>
    public static async Task<List<Answer>> FoldAsync(
        IAsyncEnumerable<GenerationUpdate> updates, IReadOnlyList<string> stops, int copies, int indexBase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var answers = new SortedDictionary<int, Answer>();
        var trimmers = new Dictionary<int, StopTrimmer>();
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!answers.TryGetValue(update.Index, out var answer))
            {
                answers[update.Index] = answer = new Answer();
                trimmers[update.Index] = new StopTrimmer(stops);
            }

            answer.Add(update with { Text = trimmers[update.Index].Next(update.Text, update.Finish) });
        }

        var result = new List<Answer>();
        foreach (var answer in answers.Values)
        {
            for (var c = 0; c < copies; c++)
            {
                result.Add(answer with { Index = indexBase + result.Count });
            }
        }

        return result;
    }

    /// <summary>One sequence's whole answer, as the fold of its updates.</summary>
    public sealed record Answer
    {
        private readonly System.Text.StringBuilder _text = new();

        /// <summary>The choice's index.</summary>
        public int Index { get; init; }

        /// <summary>The text.</summary>
        public string Text => _text.ToString();

        /// <summary>Why it ended.</summary>
        public Engine.Generation.FinishReason? Finish { get; private set; }

        /// <summary>The prompt's tokens.</summary>
        public int PromptTokens { get; private set; }

        /// <summary>The tokens generated.</summary>
        public int GeneratedTokens { get; private set; }

        /// <summary>The log-probabilities of the generated tokens, when asked.</summary>
        public List<TokenLogprob>? Logprobs { get; private set; }

        /// <summary>The model's thinking, apart from the answer (templates with thinking tags), or null.</summary>
        public string? Reasoning => _reasoning?.ToString();

        /// <summary>The tools the model called, in order.</summary>
        public List<Engine.Generation.Tools.ChatToolCall> ToolCalls { get; } = [];

        private System.Text.StringBuilder? _reasoning;

        /// <summary>Adds an update.</summary>
        public void Add(GenerationUpdate update)
        {
            ArgumentNullException.ThrowIfNull(update);
            _text.Append(update.Text);
            if (update.Reasoning is { Length: > 0 } thinking)
            {
                (_reasoning ??= new System.Text.StringBuilder()).Append(thinking);
            }

            if (update.ToolCalls is { } calls)
            {
                ToolCalls.AddRange(calls);
            }

            Finish = update.Finish ?? Finish;
            PromptTokens = update.PromptTokens;
            GeneratedTokens = Math.Max(GeneratedTokens, update.GeneratedTokens);
            if (update.Logprobs is { } logprobs)
            {
                (Logprobs ??= []).AddRange(logprobs);
            }
        }
    }
}
