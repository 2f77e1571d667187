using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// The body of <c>POST responses</c>, read field by field (400 naming the field when one is wrong): the model, the
/// input as Responses items (a string is one user message), <c>instructions</c>, the sampling fields, tools, the text
/// format, <c>reasoning</c>, <c>store</c>, <c>previous_response_id</c>, <c>stream</c> and <c>metadata</c>. The input
/// is kept as normalized items (<see cref="ResponseItems"/>), each with an id, as they are stored and listed.
/// </summary>
internal sealed class ResponsesRequest
{
    /// <summary>An example body, for error messages.</summary>
    public const string Example = """{"model": "org/name", "input": "Hello"}""";

    /// <summary>The fields this route reads itself; the sampling fields go to <see cref="OpenAiSampling"/>.</summary>
    private static readonly string[] RouteFields =
    [
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning", "store",
        "previous_response_id", "stream", "metadata", "include", "background", "truncation", "max_tool_calls",
        "stream_options", "prompt_cache_retention",
    ];

    /// <summary>The model id.</summary>
    public required string Model { get; init; }

    /// <summary>The request's own input items, normalized (each with an id).</summary>
    public required JsonArray Input { get; init; }

    /// <summary>The system message of this request only (not carried to continued turns).</summary>
    public string? Instructions { get; init; }

    /// <summary>The sampling fields, mapped to the engine's parameters by the one shared map.</summary>
    public required OpenAiSampling Sampling { get; init; }

    /// <summary><c>max_output_tokens</c>.</summary>
    public double? MaxOutputTokens { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary>The function tools as sent (Responses' flat shape), or an empty list.</summary>
    public JsonArray Tools { get; init; } = [];

    /// <summary><c>tool_choice</c> as sent, or <see langword="null"/>.</summary>
    public JsonNode? ToolChoice { get; init; }

    /// <summary><c>parallel_tool_calls</c>.</summary>
    public bool? ParallelToolCalls { get; init; }

    /// <summary><c>text.format</c> as sent, or <see langword="null"/> (plain text).</summary>
    public JsonObject? TextFormat { get; init; }

    /// <summary><c>reasoning.effort</c>.</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>Whether the response is stored (default true).</summary>
    public bool Store { get; init; } = true;

    /// <summary>The response this one continues.</summary>
    public string? PreviousResponseId { get; init; }

    /// <summary>Whether the answer is streamed as events.</summary>
    public bool Stream { get; init; }

    /// <summary><c>metadata</c> as sent (at most 16 string pairs), or <see langword="null"/>.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>Reads a request body.</summary>
    /// <exception cref="EngineException">A field is missing, of the wrong type, out of range, or unsupported here (BadInput / NotSupported).</exception>
    public static ResponsesRequest Read(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } root)
        {
            throw EngineException.BadInput($"The body must be a JSON object such as {Example}.");
        }

        // The sampling fields (max_output_tokens, temperature, top_p, top_logprobs, ...) are read by the one shared map.
        var sampling = new OpenAiSampling(OpenAiEndpoint.Responses);
        foreach (var property in root.EnumerateObject())
        {
            if (!RouteFields.Contains(property.Name) && !sampling.Read(property))
            {
                throw OpenAiSampling.Unknown(property.Name, "POST responses", RouteFields);
            }
        }

        if (Field(root, "include") is { ValueKind: JsonValueKind.Array } include
            && include.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.String && i.GetString() == "message.output_text.logprobs"))
        {
            sampling.RequestLogprobs(Field(root, "top_logprobs") is { ValueKind: JsonValueKind.Number } top ? Arguments.Int(top, "top_logprobs", 0, 20) : 0);
        }

        var model = Field(root, "model") is { } m ? Arguments.String(m, "model") : null;
        if (string.IsNullOrEmpty(model))
        {
            throw EngineException.BadInput($"`model` is required: the id of a chat or text-generation model, as in {Example}.");
        }

        if (Field(root, "background") is { } background && Arguments.Bool(background, "background") == true)
        {
            throw EngineException.NotSupported("`background` responses are not supported by this server; send \"background\": false or leave it out.");
        }

        var previous = Field(root, "previous_response_id") is { } p ? Arguments.String(p, "previous_response_id") : null;
        var input = Field(root, "input") ?? throw EngineException.BadInput($"`input` is required: a string or a list of input items, as in {Example}.");
        var items = ResponseItems.ReadInput(input);
        return new ResponsesRequest
        {
            Sampling = sampling,
            Model = model,
            Input = items,
            Instructions = Field(root, "instructions") is { } i ? Arguments.String(i, "instructions") : null,
            // Checked by the sampling map; kept to be echoed in the response object.
            MaxOutputTokens = Field(root, "max_output_tokens") is { ValueKind: JsonValueKind.Number } max ? max.GetDouble() : null,
            Temperature = Field(root, "temperature") is { ValueKind: JsonValueKind.Number } t ? t.GetDouble() : null,
            TopP = Field(root, "top_p") is { ValueKind: JsonValueKind.Number } tp ? tp.GetDouble() : null,
            Tools = ReadTools(Field(root, "tools")),
            ToolChoice = Field(root, "tool_choice") is { ValueKind: not JsonValueKind.Null } choice ? ReadToolChoice(choice) : null,
            ParallelToolCalls = Field(root, "parallel_tool_calls") is { } parallel ? Arguments.Bool(parallel, "parallel_tool_calls") : null,
            TextFormat = ReadTextFormat(Field(root, "text")),
            ReasoningEffort = ReadReasoning(Field(root, "reasoning")),
            Store = Field(root, "store") is { } store ? Arguments.Bool(store, "store") ?? true : true,
            PreviousResponseId = string.IsNullOrEmpty(previous) ? null : previous,
            Stream = Field(root, "stream") is { } stream && Arguments.Bool(stream, "stream") == true,
            Metadata = ReadMetadata(Field(root, "metadata")),
        };
    }

    /// <summary>
    /// The engine's <c>params</c> for this request: the sampling fields through <see cref="OpenAiSampling"/>, tools in
    /// the chat shape the engine's <c>tools</c> parameter takes, <c>text.format</c> as <c>response_format</c>, and
    /// <c>reasoning.effort</c> as the chat template switch <c>enable_thinking</c> (<c>none</c> and <c>minimal</c> turn
    /// thinking off, any other effort on).
    /// </summary>
    public JsonElement Params()
    {
        if (Tools.Count > 0)
        {
            Sampling.Pass("tools", Element(new JsonArray([.. Tools.Select(ChatTool)])));
            if (ParallelToolCalls is { } parallel)
            {
                Sampling.Pass("parallel_tool_calls", Element(JsonValue.Create(parallel)));
            }
        }

        if (ToolChoice is not null)
        {
            Sampling.Pass("tool_choice", Element(ToolChoice is JsonObject choice
                ? new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice["name"]!.GetValue<string>() } }
                : ToolChoice.DeepClone()));
        }

        if (TextFormat is { } format && format["type"]!.GetValue<string>() != "text")
        {
            Sampling.Pass("response_format", Element(format["type"]!.GetValue<string>() == "json_object"
                ? new JsonObject { ["type"] = "json_object" }
                : new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject([.. format.Where(p => p.Key != "type").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))]),
                }));
        }

        if (ReasoningEffort is { } effort)
        {
            Sampling.Pass("enable_thinking", Element(JsonValue.Create(effort is not ("none" or "minimal"))));
        }

        return Sampling.ToParams();
    }

    /// <summary>A JSON node as an element.</summary>
    public static JsonElement Element(JsonNode? node)
    {
        using var document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }

    /// <summary>A Responses function tool <c>{type, name, description, parameters, strict}</c> in the chat shape <c>{type, function: {...}}</c>.</summary>
    private static JsonObject ChatTool(JsonNode? tool)
    {
        var function = new JsonObject();
        foreach (var (key, value) in tool!.AsObject())
        {
            if (key != "type")
            {
                function[key] = value?.DeepClone();
            }
        }

        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    private static JsonArray ReadTools(JsonElement? tools)
    {
        if (tools is not { } list || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Arguments.Bad("tools", "a list of tools {\"type\": \"function\", \"name\", \"description\", \"parameters\"}", list);
        }

        var result = new JsonArray();
        var builtIn = new List<string>();
        var index = 0;
        foreach (var tool in list.EnumerateArray())
        {
            var name = $"tools[{index++}]";
            var type = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            if (type is null)
            {
                throw Arguments.Bad(name, "an object {\"type\": \"function\", \"name\", \"description\", \"parameters\"}", tool);
            }

            if (type != "function")
            {
                builtIn.Add(type);
                continue;
            }

            if (!tool.TryGetProperty("name", out var toolName) || toolName.ValueKind != JsonValueKind.String || toolName.GetString()!.Length == 0)
            {
                throw EngineException.BadInput($"`{name}.name` is required: the function's name.");
            }

            result.Add(JsonNode.Parse(tool.GetRawText()));
        }

        if (builtIn.Count > 0)
        {
            throw EngineException.BadInput(
                $"Built-in tools are not supported by this server: {string.Join(", ", builtIn.Distinct())}. Only function tools {{\"type\": \"function\", \"name\", \"parameters\"}} run here; the model calls them and your code runs them.");
        }

        return result;
    }

    private static JsonNode ReadToolChoice(JsonElement choice)
    {
        if (choice.ValueKind == JsonValueKind.String && choice.GetString() is "none" or "auto" or "required")
        {
            return JsonValue.Create(choice.GetString())!;
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString() == "function" && choice.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            return new JsonObject { ["type"] = "function", ["name"] = name.GetString() };
        }

        throw Arguments.Bad("tool_choice", "\"none\", \"auto\", \"required\" or {\"type\": \"function\", \"name\": \"...\"}", choice);
    }

    private static JsonObject? ReadTextFormat(JsonElement? text)
    {
        if (text is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Arguments.Bad("text", "an object {\"format\": {\"type\": \"text\" | \"json_object\" | \"json_schema\", ...}}", value);
        }

        if (!value.TryGetProperty("format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text" or "json_object":
                return new JsonObject { ["type"] = type };
            case "json_schema":
                if (!format.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || !format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw EngineException.BadInput("`text.format` of type json_schema needs `name` (a string) and `schema` (a JSON Schema object).");
                }

                return JsonNode.Parse(format.GetRawText())!.AsObject();
            default:
                throw Arguments.Bad("text.format", "{\"type\": \"text\"}, {\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"name\", \"schema\", \"strict\"?}", format);
        }
    }

    private static string? ReadReasoning(JsonElement? reasoning)
    {
        if (reasoning is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Arguments.Bad("reasoning", "an object {\"effort\": \"none\" | \"minimal\" | \"low\" | \"medium\" | \"high\" | \"xhigh\"}", value);
        }

        if (!value.TryGetProperty("effort", out var effort) || effort.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return effort.ValueKind == JsonValueKind.String && effort.GetString() is "none" or "minimal" or "low" or "medium" or "high" or "xhigh"
            ? effort.GetString()
            : throw Arguments.Bad("reasoning.effort", "one of none, minimal, low, medium, high, xhigh", effort);
    }

    private static JsonObject? ReadMetadata(JsonElement? metadata)
    {
        if (metadata is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var count = 0;
        if (value.ValueKind != JsonValueKind.Object
            || value.EnumerateObject().Any(p => ++count > 16 || p.Name.Length > 64 || p.Value.ValueKind != JsonValueKind.String || p.Value.GetString()!.Length > 512))
        {
            throw Arguments.Bad("metadata", "an object of at most 16 pairs of strings (keys up to 64 characters, values up to 512)", value);
        }

        return JsonNode.Parse(value.GetRawText())!.AsObject();
    }

    private static JsonElement? Field(JsonElement root, string name) => root.TryGetProperty(name, out var value) ? value : null;

    /// <summary>A new id with OpenAI's prefix (<c>resp</c>, <c>msg</c>, <c>fc</c>): the prefix, <c>_</c> and 192 random bits as hex.</summary>
    public static string NewId(string prefix) => $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}";
}
