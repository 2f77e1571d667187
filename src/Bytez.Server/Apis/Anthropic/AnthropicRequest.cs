using System.Buffers;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// The body of <c>POST messages</c> (or <c>messages/count_tokens</c>) read into the engine's request. Fields and their
/// mapping (docs/api.md, "The Anthropic-compatible API"):
/// <list type="bullet">
/// <item><c>model</c>, <c>messages</c> (<see cref="AnthropicMessages"/>), <c>system</c>; <c>max_tokens</c>, required as
/// Anthropic requires it, becomes <c>max_new_tokens</c> (the budget of thinking and answer together).</item>
/// <item><c>temperature</c> (0 to 1): 0 is greedy, above 0 samples at it; absent, the model's
/// <c>generation_config</c> decides, as on the OpenAI routes (<c>top_p</c> or <c>top_k</c> alone then sample).
/// <c>top_p</c>, <c>top_k</c> pass through; <c>stop_sequences</c> become <c>stop</c>, left out of the answer.</item>
/// <item><c>tools</c>, <c>tool_choice</c>: <see cref="AnthropicTools"/>.</item>
/// <item><c>thinking</c>: <c>{"type": "enabled", "budget_tokens"}</c> and <c>{"type": "adaptive"}</c> turn the chat
/// template's <c>enable_thinking</c> on, <c>{"type": "disabled"}</c> and an absent <c>thinking</c> off (Anthropic's
/// default); <c>budget_tokens</c> (at least 1, below <c>max_tokens</c>) is checked, the engine has no separate
/// thinking budget. <c>display: "omitted"</c> sends thinking blocks without their text.</item>
/// <item><c>metadata</c>, <c>service_tier</c>, <c>cache_control</c>, <c>inference_geo</c> are accepted and ignored;
/// any other field is refused naming it.</item>
/// </list>
/// count_tokens takes <c>model</c>, <c>messages</c>, <c>system</c>, <c>tools</c>, <c>tool_choice</c> and
/// <c>thinking</c>, as Anthropic's does. A JSON <c>null</c> is the same as an absent field.
/// </summary>
public sealed class AnthropicRequest
{
    /// <summary>An example body for error messages.</summary>
    public const string Example = "{\"model\": \"org/name\", \"max_tokens\": 256, \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

    /// <summary>Fields accepted and ignored: they describe the caller, or Anthropic's own caching, billing and placement.</summary>
    public static IReadOnlyList<string> Ignored { get; } = ["metadata", "service_tier", "cache_control", "inference_geo"];

    private static readonly string[] MessagesFields =
        ["model", "messages", "max_tokens", "system", "stop_sequences", "stream", "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking", .. Ignored];

    private static readonly string[] CountFields = ["model", "messages", "system", "tools", "tool_choice", "thinking", .. Ignored];

    private JsonElement? _messages;
    private JsonElement? _system;
    private JsonElement? _tools;
    private JsonElement? _toolChoice;
    private bool _disableParallel;
    private int? _maxTokens;
    private double? _temperature;
    private double? _topP;
    private int? _topK;
    private bool _thinking;
    private int? _budget;

    private AnthropicRequest()
    {
    }

    /// <summary>The <c>model</c>: a catalog model's id.</summary>
    public string? ModelId { get; private set; }

    /// <summary>Whether the answer is streamed.</summary>
    public bool Stream { get; private set; }

    /// <summary>The stop sequences, left out of the answer; the one matched is the answer's <c>stop_sequence</c>.</summary>
    public IReadOnlyList<string> StopSequences { get; private set; } = [];

    /// <summary>Whether thinking blocks are sent without their text (<c>thinking.display</c> "omitted").</summary>
    public bool OmitThinking { get; private set; }

    /// <summary>Reads and checks a body; <paramref name="countTokens"/> takes count_tokens' fields only.</summary>
    /// <exception cref="EngineException">A field is missing, malformed, out of range or unknown (BadInput, naming it).</exception>
    public static AnthropicRequest Read(JsonElement body, bool countTokens)
    {
        var request = new AnthropicRequest();
        var fields = countTokens ? CountFields : MessagesFields;
        foreach (var field in body.EnumerateObject())
        {
            if (!fields.Contains(field.Name))
            {
                throw EngineException.BadInput(
                    $"{field.Name}: Extra inputs are not permitted. {(countTokens ? "messages/count_tokens" : "messages")} takes: {string.Join(", ", fields)}.");
            }

            if (field.Value.ValueKind != JsonValueKind.Null)
            {
                request.ReadField(field.Name, field.Value);
            }
        }

        if (!countTokens && request._maxTokens is null)
        {
            throw EngineException.BadInput("max_tokens: Field required. Send the most tokens to generate, such as \"max_tokens\": 256.");
        }

        if (request._budget is { } budget && request._maxTokens is { } max && budget >= max)
        {
            throw EngineException.BadInput($"`max_tokens` must be greater than `thinking.budget_tokens` ({budget}); got {max}.");
        }

        return request;
    }

    private void ReadField(string name, JsonElement v)
    {
        switch (name)
        {
            case "model":
                ModelId = Arguments.String(v, name);
                break;
            case "messages":
                _messages = v;
                break;
            case "system":
                _system = v;
                break;
            case "max_tokens":
                _maxTokens = Arguments.Int(v, name, 1, int.MaxValue);
                break;
            case "stream":
                Stream = Arguments.Bool(v, name) ?? false;
                break;
            case "stop_sequences":
                StopSequences = v.ValueKind == JsonValueKind.Array
                    ? Arguments.StringOrList(v, name)
                    : throw EngineException.BadInput("`stop_sequences` must be a list of strings.");
                if (StopSequences.Any(string.IsNullOrEmpty))
                {
                    throw EngineException.BadInput("`stop_sequences` must not hold an empty string.");
                }

                break;
            case "temperature":
                _temperature = Arguments.Number(v, name, 0, 1, minExclusive: false, rangeText: "from 0 to 1");
                break;
            case "top_p":
                _topP = Arguments.Number(v, name, 0, 1, minExclusive: true, rangeText: "in (0, 1]");
                break;
            case "top_k":
                _topK = Arguments.Int(v, name, 0, int.MaxValue);
                break;
            case "tools":
                _tools = AnthropicTools.ToEngineTools(v);
                break;
            case "tool_choice":
                (_toolChoice, _disableParallel) = AnthropicTools.ToEngineChoice(v);
                break;
            case "thinking":
                ReadThinking(v);
                break;
            default:
                // Accepted and ignored (Ignored).
                break;
        }
    }

    private void ReadThinking(JsonElement v)
    {
        const string Expected = "`thinking` must be {\"type\": \"enabled\", \"budget_tokens\": N}, {\"type\": \"adaptive\"} or {\"type\": \"disabled\"}";
        var type = v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : throw EngineException.BadInput(Expected + ".");
        switch (type)
        {
            case "enabled":
                _thinking = true;
                _budget = v.TryGetProperty("budget_tokens", out var budget) && budget.ValueKind != JsonValueKind.Null
                    ? Arguments.Int(budget, "thinking.budget_tokens", 1, int.MaxValue)
                    : throw EngineException.BadInput("`thinking.budget_tokens` is required with {\"type\": \"enabled\"}: the most tokens to think with, below `max_tokens`.");
                break;
            case "adaptive":
                _thinking = true;
                break;
            case "disabled":
                _thinking = false;
                break;
            default:
                throw EngineException.BadInput($"{Expected}; got \"{type}\".");
        }

        if (v.TryGetProperty("display", out var display) && display.ValueKind != JsonValueKind.Null)
        {
            OmitThinking = Arguments.String(display, "thinking.display") switch
            {
                "omitted" => true,
                "summarized" => false,
                var other => throw EngineException.BadInput($"`thinking.display` must be \"summarized\" or \"omitted\"; got \"{other}\"."),
            };
        }
    }

    /// <summary>The engine's request for model <paramref name="modelId"/>: the chat messages as <c>input</c>, the sampling, tools and thinking as <c>params</c>.</summary>
    public RunRequest ToRunRequest(string modelId)
    {
        var input = AnthropicMessages.ToChat(_system, _messages, modelId);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (_maxTokens is { } max)
            {
                w.WriteNumber("max_new_tokens", max);
            }

            var sample = _temperature is { } t ? t > 0 : (_topP is < 1 || _topK is > 0) ? true : (bool?)null;
            if (sample is { } doSample)
            {
                w.WriteBoolean("do_sample", doSample);
            }

            if (_temperature is > 0)
            {
                w.WriteNumber("temperature", _temperature.Value);
            }

            if (_topP is { } topP)
            {
                w.WriteNumber("top_p", topP);
            }

            if (_topK is { } topK)
            {
                w.WriteNumber("top_k", topK);
            }

            if (StopSequences.Count > 0)
            {
                w.WriteStartArray("stop");
                foreach (var s in StopSequences)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
            }

            w.WriteBoolean("enable_thinking", _thinking);
            if (_tools is { } tools)
            {
                w.WritePropertyName("tools");
                tools.WriteTo(w);
            }

            if (_toolChoice is { } choice)
            {
                w.WritePropertyName("tool_choice");
                choice.WriteTo(w);
            }

            if (_disableParallel)
            {
                w.WriteBoolean("parallel_tool_calls", false);
            }

            w.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return new RunRequest { Input = input, Params = document.RootElement.Clone() };
    }
}
