using System.Buffers;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>Which OpenAI endpoint a body is for: the sampling fields differ a little between them.</summary>
public enum OpenAiEndpoint
{
    /// <summary><c>POST chat/completions</c>.</summary>
    ChatCompletions,

    /// <summary><c>POST completions</c> (legacy): <c>logprobs</c> is an integer.</summary>
    Completions,

    /// <summary><c>POST responses</c>: <c>max_output_tokens</c>.</summary>
    Responses,
}

/// <summary>
/// The one mapping of OpenAI's sampling fields to the engine's Hugging Face <c>params</c>. A route reads its own
/// fields (model, messages, stream, ...) and hands every other top-level field to <see cref="Read"/>; a field neither
/// knows is refused naming it. The table of the mapping is in docs/api.md ("The OpenAI-compatible API"):
/// <list type="bullet">
/// <item><c>max_tokens</c>, <c>max_completion_tokens</c>, <c>max_output_tokens</c> -&gt; <c>max_new_tokens</c>; absent,
/// the answer runs to the end-of-sequence token, the model's <c>generation_config</c> <c>max_new_tokens</c> or the end
/// of the context (as vLLM does), never Hugging Face's <c>max_length</c> 20.</item>
/// <item><c>temperature</c> (0 to 2): 0 is greedy (<c>do_sample</c> false); above 0 samples at that temperature; absent,
/// the model's <c>generation_config</c> decides (greedy when it says nothing), as vLLM takes its defaults from it, except
/// that <c>n</c> &gt; 1 or <c>top_p</c> &lt; 1 then sample (at the model's temperature, else 1).</item>
/// <item><c>n</c> (1 to 16) -&gt; <c>num_return_sequences</c>; with greedy decoding the one answer is generated once and
/// returned <c>n</c> times (<see cref="Copies"/>), as vLLM returns <c>n</c> identical greedy answers.</item>
/// <item><c>top_p</c>, <c>stop</c> (a string or up to 4), <c>seed</c>, <c>presence_penalty</c>,
/// <c>frequency_penalty</c> (-2 to 2), <c>logprobs</c>/<c>top_logprobs</c> -&gt; the engine's parameters of the same
/// meaning; vLLM's extensions <c>top_k</c>, <c>min_p</c>, <c>repetition_penalty</c> pass through, and <c>min_tokens</c> as
/// <c>min_new_tokens</c>.</item>
/// <item><c>response_format</c> (but <c>{"type": "text"}</c>, the default, which is dropped), <c>tools</c> (but an empty
/// list), <c>tool_choice</c>, <c>parallel_tool_calls</c> pass through to the engine, which checks them.</item>
/// <item><c>reasoning_effort</c> (chat): the chat template's <c>enable_thinking</c>, off for none and minimal, on
/// otherwise, as Responses' <c>reasoning.effort</c>.</item>
/// <item><c>user</c>, <c>metadata</c>, <c>store</c>, <c>service_tier</c>, <c>prompt_cache_key</c>,
/// <c>safety_identifier</c> are accepted and ignored; <c>logit_bias</c>, <c>functions</c>, <c>function_call</c> are
/// refused as not supported.</item>
/// </list>
/// A JSON <c>null</c> is the same as an absent field.
/// </summary>
public sealed class OpenAiSampling
{
    /// <summary>The most answers one request may ask for (the engine's bound on <c>num_return_sequences</c>).</summary>
    public const int MaxN = 16;

    /// <summary>The most stop strings (OpenAI's bound).</summary>
    public const int MaxStops = 4;

    /// <summary>The most alternatives the legacy completions' integer <c>logprobs</c> may ask for (OpenAI's bound).</summary>
    public const int MaxLegacyLogprobs = 5;

    /// <summary>Fields accepted and ignored: they describe the caller or OpenAI's own storage and billing.</summary>
    public static IReadOnlyList<string> Ignored { get; } = ["user", "metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"];

    /// <summary>The engine parameters vLLM accepts as extensions of OpenAI's body, passed through unchanged.</summary>
    public static IReadOnlyList<string> Extensions { get; } = ["top_k", "min_p", "repetition_penalty", "min_tokens"];

    private readonly OpenAiEndpoint _endpoint;
    private readonly List<KeyValuePair<string, JsonElement>> _passed = [];
    private int? _maxTokens;
    private double? _temperature;
    private double? _topP;
    private List<string>? _stop;
    private long? _seed;
    private double? _presence;
    private double? _frequency;

    /// <summary>Creates the mapping of one request's body for <paramref name="endpoint"/>.</summary>
    public OpenAiSampling(OpenAiEndpoint endpoint) => _endpoint = endpoint;

    /// <summary>The stop strings (<c>stop</c>), which the routes leave out of the answer (<see cref="StopTrimmer"/>).</summary>
    public IReadOnlyList<string> Stop => _stop ?? [];

    /// <summary>How many answers (choices) the request asks for (<c>n</c>).</summary>
    public int N { get; private set; } = 1;

    /// <summary>Whether each generated token's log-probability is asked for.</summary>
    public bool Logprobs { get; private set; }

    /// <summary>How many of the most likely tokens to list at each position (0 when none).</summary>
    public int TopLogprobs { get; private set; }

    /// <summary>
    /// How many times the route repeats each answer the engine gives: <see cref="N"/> when decoding is greedy
    /// (<c>temperature</c> 0) and <c>n</c> &gt; 1, since greedy answers are identical (the engine generates one); else 1.
    /// </summary>
    public int Copies => N > 1 && _temperature == 0 ? N : 1;

    /// <summary>
    /// Reads one top-level field of the body when it is a sampling field (or one accepted and ignored) and answers
    /// <see langword="true"/>; <see langword="false"/> when the field is not one of them (the route refuses it).
    /// </summary>
    /// <exception cref="EngineException">The field's value is of the wrong kind or out of range (BadInput), or the field is not supported.</exception>
    public bool Read(JsonProperty field)
    {
        var name = field.Name;
        var v = field.Value;
        if (Ignored.Contains(name))
        {
            return true;
        }

        if (v.ValueKind == JsonValueKind.Null)
        {
            return IsKnown(name);
        }

        switch (name)
        {
            case "max_tokens" when _endpoint != OpenAiEndpoint.Responses:
            case "max_completion_tokens" when _endpoint == OpenAiEndpoint.ChatCompletions:
            case "max_output_tokens" when _endpoint == OpenAiEndpoint.Responses:
                _maxTokens = Arguments.Int(v, name, 1, int.MaxValue);
                return true;
            case "temperature":
                _temperature = Arguments.Number(v, name, 0, 2, minExclusive: false, rangeText: "from 0 to 2");
                return true;
            case "top_p":
                _topP = Arguments.Number(v, name, 0, 1, minExclusive: true, rangeText: "in (0, 1]");
                return true;
            case "n" when _endpoint != OpenAiEndpoint.Responses:
                N = Arguments.Int(v, name, 1, MaxN);
                return true;
            case "stop" when _endpoint != OpenAiEndpoint.Responses:
                _stop = Arguments.StringOrList(v, name);
                if (_stop.Count > MaxStops)
                {
                    throw EngineException.BadInput($"Parameter `stop` takes at most {MaxStops} strings; got {_stop.Count}.");
                }

                if (_stop.Any(string.IsNullOrEmpty))
                {
                    throw EngineException.BadInput("Parameter `stop` must not hold an empty string.");
                }

                return true;
            case "seed" when _endpoint != OpenAiEndpoint.Responses:
                _seed = Arguments.Long(v, name);
                return true;
            case "presence_penalty" when _endpoint != OpenAiEndpoint.Responses:
                _presence = Arguments.Number(v, name, -2, 2, minExclusive: false, rangeText: "from -2 to 2");
                return true;
            case "frequency_penalty" when _endpoint != OpenAiEndpoint.Responses:
                _frequency = Arguments.Number(v, name, -2, 2, minExclusive: false, rangeText: "from -2 to 2");
                return true;
            case "logprobs" when _endpoint == OpenAiEndpoint.ChatCompletions:
                Logprobs = Arguments.Bool(v, name) ?? false;
                return true;
            case "logprobs" when _endpoint == OpenAiEndpoint.Completions:
                // The legacy API's logprobs is the number of alternatives (0 to 5): 0 still gives each token's own.
                TopLogprobs = Arguments.Int(v, name, 0, MaxLegacyLogprobs);
                Logprobs = true;
                return true;
            case "top_logprobs" when _endpoint != OpenAiEndpoint.Completions:
                TopLogprobs = Arguments.Int(v, name, 0, Engine.Generation.GenerationSettings.MaxTopLogprobs);
                return true;
            case "response_format" when _endpoint == OpenAiEndpoint.ChatCompletions:
                if (!(v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"))
                {
                    Pass(name, v);
                }

                return true;
            case "tools" when _endpoint != OpenAiEndpoint.Completions:
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 0)
                {
                    Pass(name, v);
                }

                return true;
            case "tool_choice" or "parallel_tool_calls" when _endpoint != OpenAiEndpoint.Completions:
                Pass(name, v);
                return true;
            case "top_k" or "min_p" or "repetition_penalty":
                Pass(name, v);
                return true;
            case "min_tokens":
                Pass("min_new_tokens", v);
                return true;
            case "reasoning_effort" when _endpoint == OpenAiEndpoint.ChatCompletions:
                // As Responses' reasoning.effort: the chat template's thinking switch (none and minimal turn it off).
                Pass("enable_thinking", BoolElement(v.ValueKind == JsonValueKind.String
                    ? v.GetString() switch
                    {
                        "none" or "minimal" => false,
                        "low" or "medium" or "high" or "xhigh" => true,
                        var other => throw EngineException.BadInput($"`reasoning_effort` must be none, minimal, low, medium or high; got \"{other}\"."),
                    }
                    : throw EngineException.BadInput("`reasoning_effort` must be a string: none, minimal, low, medium or high.")));
                return true;
            case "logit_bias":
                throw EngineException.NotSupported("Parameter `logit_bias` is not supported.");
            case "functions" or "function_call" when _endpoint == OpenAiEndpoint.ChatCompletions:
                throw EngineException.NotSupported($"Parameter `{name}` (deprecated by OpenAI) is not supported; use `tools` and `tool_choice`.");
            default:
                return false;
        }
    }

    private static JsonElement BoolElement(bool value)
    {
        using var document = JsonDocument.Parse(value ? "true" : "false");
        return document.RootElement.Clone();
    }

    /// <summary>Whether <paramref name="name"/> is a field <see cref="Read"/> handles for this endpoint.</summary>
    private bool IsKnown(string name) => name switch
    {
        "temperature" or "top_p" or "top_k" or "min_p" or "repetition_penalty" or "min_tokens" or "logit_bias" => true,
        "max_tokens" or "n" or "stop" or "seed" or "presence_penalty" or "frequency_penalty" or "logprobs" => _endpoint != OpenAiEndpoint.Responses,
        "max_completion_tokens" or "response_format" or "functions" or "function_call" or "reasoning_effort" => _endpoint == OpenAiEndpoint.ChatCompletions,
        "max_output_tokens" => _endpoint == OpenAiEndpoint.Responses,
        "top_logprobs" => _endpoint != OpenAiEndpoint.Completions,
        "tools" or "tool_choice" or "parallel_tool_calls" => _endpoint != OpenAiEndpoint.Completions,
        _ => false,
    };

    /// <summary>Asks for log-probabilities with <paramref name="top"/> alternatives (for endpoints that ask elsewhere in the body, such as Responses' <c>include</c>).</summary>
    public void RequestLogprobs(int top)
    {
        Logprobs = true;
        TopLogprobs = Math.Clamp(top, 0, Engine.Generation.GenerationSettings.MaxTopLogprobs);
    }

    /// <summary>Passes a field to the engine's <c>params</c> unchanged (for endpoints that name it elsewhere, such as Responses' <c>text.format</c>).</summary>
    public void Pass(string name, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(name);
        _passed.RemoveAll(p => p.Key == name);
        _passed.Add(new(name, value.Clone()));
    }

    /// <summary>
    /// The engine's <c>params</c> for what was read; <paramref name="echo"/> is the legacy completions'
    /// <c>return_full_text</c> (null for chat, whose answer never holds the prompt).
    /// </summary>
    /// <exception cref="EngineException">The fields contradict each other (BadInput).</exception>
    public JsonElement ToParams(bool? echo = null)
    {
        if (TopLogprobs > 0 && !Logprobs && _endpoint == OpenAiEndpoint.ChatCompletions)
        {
            throw EngineException.BadInput("`top_logprobs` needs `logprobs`: true.");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (_maxTokens is { } max)
            {
                w.WriteNumber("max_new_tokens", max);
            }
            else
            {
                // No budget: the model's generation_config max_new_tokens if it has one, else up to the context's end.
                w.WriteNumber("max_length", int.MaxValue);
            }

            var sample = _temperature is { } t ? t > 0 : (N > 1 || _topP is < 1) ? true : (bool?)null;
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

            if (N > 1 && Copies == 1)
            {
                w.WriteNumber("num_return_sequences", N);
            }

            if (_stop is { Count: > 0 })
            {
                w.WriteStartArray("stop");
                foreach (var s in _stop)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
            }

            if (_seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }

            if (_presence is { } presence and not 0)
            {
                w.WriteNumber("presence_penalty", presence);
            }

            if (_frequency is { } frequency and not 0)
            {
                w.WriteNumber("frequency_penalty", frequency);
            }

            if (Logprobs)
            {
                w.WriteBoolean("logprobs", true);
                if (TopLogprobs > 0)
                {
                    w.WriteNumber("top_logprobs", TopLogprobs);
                }
            }

            if (echo is { } returnFullText)
            {
                w.WriteBoolean("return_full_text", returnFullText);
            }

            foreach (var (name, value) in _passed)
            {
                w.WritePropertyName(name);
                value.WriteTo(w);
            }

            w.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>The error for a field neither the route nor <see cref="Read"/> knows: it names the field and what the endpoint takes.</summary>
    public static EngineException Unknown(string name, string endpoint, IEnumerable<string> routeFields) =>
        EngineException.BadInput(
            $"Unrecognized request argument supplied: {name}. {endpoint} takes: {string.Join(", ", routeFields)}, and the sampling fields of docs/api.md.");
}
