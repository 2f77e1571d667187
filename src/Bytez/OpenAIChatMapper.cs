using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Bytez;

/// <summary>
/// The one place between Microsoft.Extensions.AI's chat types (<see cref="ChatOptions"/>, <see cref="AIChatMessage"/>,
/// <see cref="AIContent"/>, <see cref="ChatResponse"/>, <see cref="ChatResponseUpdate"/>) and the JSON of OpenAI's
/// Chat Completions API (<see cref="ChatCompletionRequest"/>, <see cref="ChatCompletionResponse"/>).
/// </summary>
/// <remarks>
/// Request: <see cref="ChatOptions.Instructions"/> becomes a leading system message; text becomes <c>content</c> (a
/// string, or an array of parts when a user message carries images, audio or files); function calls become the
/// assistant's <c>tool_calls</c> (arguments as a JSON text) and function results become <c>tool</c> messages;
/// <see cref="ChatOptions.MaxOutputTokens"/> is <c>max_completion_tokens</c>, <see cref="ChatOptions.TopK"/> the
/// <c>top_k</c> extension most open servers read, <see cref="ChatOptions.StopSequences"/> <c>stop</c>,
/// <see cref="ChatOptions.ResponseFormat"/> <c>response_format</c> (<c>json_object</c> or <c>json_schema</c>),
/// <see cref="ChatOptions.Tools"/> (function declarations) <c>tools</c>, <see cref="ChatOptions.ToolMode"/>
/// <c>tool_choice</c>, <see cref="ChatOptions.AllowMultipleToolCalls"/> <c>parallel_tool_calls</c>,
/// <see cref="ChatOptions.Reasoning"/>'s effort <c>reasoning_effort</c>; <see cref="ChatOptions.AdditionalProperties"/>
/// are further top-level keys (a key the options already set is not overwritten). <see cref="ChatOptions.ConversationId"/>
/// has no meaning for this stateless API and is not sent. Answer: <c>content</c> is text, <c>reasoning_content</c> is
/// <see cref="TextReasoningContent"/>, <c>tool_calls</c> are <see cref="FunctionCallContent"/>, <c>usage</c> is
/// <see cref="UsageDetails"/>; in a stream, the pieces of a tool call are gathered by their <c>index</c> and given as
/// one <see cref="FunctionCallContent"/> with the update that carries the finish reason.
/// </remarks>
internal static class OpenAIChatMapper
{
    /// <summary>The provider name of <see cref="ChatClientMetadata"/> and the other adapters' metadata.</summary>
    public const string ProviderName = "bytez";

    // ---- Request ------------------------------------------------------------------------------------------------

    /// <summary>The request body for a conversation and its options.</summary>
    /// <exception cref="NotSupportedException">A content or tool that this API cannot carry.</exception>
    public static ChatCompletionRequest ToRequest(IEnumerable<AIChatMessage> messages, ChatOptions? options, string defaultModelId, bool stream)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var wire = new List<ChatCompletionMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            wire.Add(new ChatCompletionMessage { Role = "system", Content = Text(options.Instructions) });
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            AddMessage(wire, message);
        }

        var request = new ChatCompletionRequest
        {
            Model = string.IsNullOrEmpty(options?.ModelId) ? defaultModelId : options.ModelId,
            Messages = wire,
        };
        if (stream)
        {
            request.Stream = true;
            request.StreamOptions = new ChatCompletionStreamOptions { IncludeUsage = true };
        }

        if (options is null)
        {
            return request;
        }

        request.MaxCompletionTokens = options.MaxOutputTokens;
        request.Temperature = options.Temperature;
        request.TopP = options.TopP;
        request.TopK = options.TopK;
        request.FrequencyPenalty = options.FrequencyPenalty;
        request.PresencePenalty = options.PresencePenalty;
        request.Seed = options.Seed;
        request.Stop = options.StopSequences is { Count: > 0 } stop ? [.. stop] : null;
        request.ResponseFormat = ToResponseFormat(options.ResponseFormat);
        request.ReasoningEffort = options.Reasoning?.Effort switch
        {
            null => null,
            ReasoningEffort.None => "none",
            ReasoningEffort.Low => "low",
            ReasoningEffort.Medium => "medium",
            ReasoningEffort.High => "high",
            ReasoningEffort.ExtraHigh => "xhigh",
            var other => other.ToString()!.ToLowerInvariant(),
        };

        if (options.Tools is { Count: > 0 } tools)
        {
            request.Tools = [.. tools.Select(ToTool)];
            request.ToolChoice = ToToolChoice(options.ToolMode);
            request.ParallelToolCalls = options.AllowMultipleToolCalls;
        }

        if (options.AdditionalProperties is { Count: > 0 } extra)
        {
            foreach (var (key, value) in extra)
            {
                if (!IsSet(request, key))
                {
                    (request.Extra ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[key] = AdapterJson.ToElement(value);
                }
            }
        }

        return request;
    }

    /// <summary>Writes the request body as UTF-8 JSON.</summary>
    public static byte[] Serialize(ChatCompletionRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, OpenAIChatJsonContext.Wire.ChatCompletionRequest);

    private static void AddMessage(List<ChatCompletionMessage> wire, AIChatMessage message)
    {
        var role = message.Role.Value;
        var text = new StringBuilder();
        var parts = new List<ChatCompletionContentPart>();
        var needsParts = false;
        List<ChatCompletionToolCall>? calls = null;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    parts.Add(new ChatCompletionContentPart { Type = "text", Text = t.Text });
                    break;
                case FunctionCallContent call:
                    (calls ??= []).Add(new ChatCompletionToolCall
                    {
                        Id = call.CallId,
                        Type = "function",
                        Function = new ChatCompletionFunctionCall { Name = call.Name, Arguments = SerializeArguments(call.Arguments) },
                    });
                    break;
                case FunctionResultContent result:
                    // Each result is a message of its own, in the order of the conversation.
                    FlushText();
                    wire.Add(new ChatCompletionMessage { Role = "tool", ToolCallId = result.CallId, Content = Text(ResultText(result.Result)) });
                    break;
                case DataContent or UriContent:
                    if (message.Role != ChatRole.User)
                    {
                        throw new NotSupportedException(
                            $"A {message.Role} message cannot carry {Describe(content)}: the chat/completions API takes images, audio and files in user messages only.");
                    }

                    parts.Add(ToPart(content));
                    needsParts = true;
                    break;
                default:
                    // Reasoning, usage, errors and other contents have no place in a request; they are not sent.
                    break;
            }
        }

        FlushText();

        void FlushText()
        {
            if (text.Length == 0 && parts.Count == 0 && calls is null)
            {
                return;
            }

            wire.Add(new ChatCompletionMessage
            {
                Role = role,
                Name = message.AuthorName,
                Content = needsParts
                    ? JsonSerializer.SerializeToElement(parts, OpenAIChatJsonContext.Wire.ListChatCompletionContentPart)
                    : text.Length > 0 || calls is null ? Text(text.ToString()) : null,
                ToolCalls = calls,
            });
            text.Clear();
            parts = [];
            needsParts = false;
            calls = null;
        }
    }

    private static ChatCompletionContentPart ToPart(AIContent content)
    {
        switch (content)
        {
            case UriContent uri when uri.HasTopLevelMediaType("image"):
                return new ChatCompletionContentPart { Type = "image_url", ImageUrl = new ChatCompletionImageUrl { Url = uri.Uri.AbsoluteUri } };
            case DataContent data when data.HasTopLevelMediaType("image"):
                return new ChatCompletionContentPart { Type = "image_url", ImageUrl = new ChatCompletionImageUrl { Url = data.Uri } };
            case DataContent data when data.HasTopLevelMediaType("audio"):
                var format = data.MediaType.ToLowerInvariant() switch
                {
                    "audio/wav" or "audio/x-wav" or "audio/wave" or "audio/vnd.wave" => "wav",
                    "audio/mpeg" or "audio/mp3" => "mp3",
                    _ => throw new NotSupportedException($"Audio of type {data.MediaType} cannot be sent: the chat/completions API takes wav and mp3."),
                };
                return new ChatCompletionContentPart
                {
                    Type = "input_audio",
                    InputAudio = new ChatCompletionInputAudio { Data = Convert.ToBase64String(data.Data.Span), Format = format },
                };
            case DataContent data:
                return new ChatCompletionContentPart { Type = "file", File = new ChatCompletionFile { FileData = data.Uri, FileName = data.Name } };
            default:
                throw new NotSupportedException(
                    $"{Describe(content)} cannot be sent: the chat/completions API takes images by URL or data, audio and files as data.");
        }
    }

    private static string Describe(AIContent content) => content switch
    {
        UriContent uri => $"a link to {uri.MediaType}",
        DataContent data => $"data of type {data.MediaType}",
        _ => content.GetType().Name,
    };

    private static ChatCompletionTool ToTool(AITool tool) => tool switch
    {
        AIFunctionDeclaration function => new ChatCompletionTool
        {
            Function = new ChatCompletionFunction
            {
                Name = function.Name,
                Description = string.IsNullOrEmpty(function.Description) ? null : function.Description,
                Parameters = function.JsonSchema,
            },
        },
        _ => throw new NotSupportedException(
            $"The tool '{tool.Name}' ({tool.GetType().Name}) cannot be sent: the chat/completions API takes function tools only."),
    };

    private static JsonElement? ToToolChoice(ChatToolMode? mode) => mode switch
    {
        null => null,
        NoneChatToolMode => Text("none"),
        AutoChatToolMode => Text("auto"),
        RequiredChatToolMode { RequiredFunctionName: null } => Text("required"),
        RequiredChatToolMode required => JsonSerializer.SerializeToElement(
            new Dictionary<string, JsonElement>
            {
                ["type"] = Text("function"),
                ["function"] = JsonSerializer.SerializeToElement(
                    new Dictionary<string, JsonElement> { ["name"] = Text(required.RequiredFunctionName) },
                    OpenAIChatJsonContext.Wire.DictionaryStringJsonElement),
            },
            OpenAIChatJsonContext.Wire.DictionaryStringJsonElement),
        _ => null,
    };

    private static ChatCompletionResponseFormat? ToResponseFormat(ChatResponseFormat? format) => format switch
    {
        ChatResponseFormatJson { Schema: { } schema } json => new ChatCompletionResponseFormat
        {
            Type = "json_schema",
            JsonSchema = new ChatCompletionJsonSchema
            {
                Name = string.IsNullOrEmpty(json.SchemaName) ? "response" : json.SchemaName,
                Description = json.SchemaDescription,
                Schema = schema,
            },
        },
        ChatResponseFormatJson => new ChatCompletionResponseFormat { Type = "json_object" },
        _ => null,
    };

    /// <summary>Whether a top-level key is the adapter's own or already set from the typed options.</summary>
    private static bool IsSet(ChatCompletionRequest request, string key) => key switch
    {
        "model" or "messages" or "stream" or "stream_options" => true,
        "max_completion_tokens" => request.MaxCompletionTokens is not null,
        "temperature" => request.Temperature is not null,
        "top_p" => request.TopP is not null,
        "top_k" => request.TopK is not null,
        "frequency_penalty" => request.FrequencyPenalty is not null,
        "presence_penalty" => request.PresencePenalty is not null,
        "seed" => request.Seed is not null,
        "stop" => request.Stop is not null,
        "response_format" => request.ResponseFormat is not null,
        "tools" => request.Tools is not null,
        "tool_choice" => request.ToolChoice is not null,
        "parallel_tool_calls" => request.ParallelToolCalls is not null,
        "reasoning_effort" => request.ReasoningEffort is not null,
        _ => false,
    };

    private static string SerializeArguments(IDictionary<string, object?>? arguments) =>
        arguments is null
            ? "{}"
            : JsonSerializer.Serialize(arguments, AdapterJson.Options.GetTypeInfo(typeof(IDictionary<string, object?>)));

    /// <summary>A tool result as the text of a <c>tool</c> message: strings as they are, anything else as JSON.</summary>
    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        TextContent content => content.Text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString()!,
        JsonElement element => JsonSerializer.Serialize(element, OpenAIChatJsonContext.Wire.JsonElement),
        _ => JsonSerializer.Serialize(result, AdapterJson.Options.GetTypeInfo(result.GetType())),
    };

    private static JsonElement Text(string value) => JsonSerializer.SerializeToElement(value, OpenAIChatJsonContext.Wire.String);

    // ---- Answer -------------------------------------------------------------------------------------------------

    /// <summary>Reads an answer body.</summary>
    /// <exception cref="JsonException">The body is not a chat completion.</exception>
    public static ChatCompletionResponse Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, OpenAIChatJsonContext.Wire.ChatCompletionResponse)
        ?? throw new JsonException("Expected a chat completion object, but the body is null.");

    /// <summary>The <see cref="ChatResponse"/> of an answer without streaming: its first choice.</summary>
    public static ChatResponse ToChatResponse(ChatCompletionResponse completion, object? rawRepresentation)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var choice = completion.Choices?.OrderBy(c => c.Index).FirstOrDefault();
        var contents = new List<AIContent>();
        var message = choice?.Message;
        if (!string.IsNullOrEmpty(message?.ReasoningContent))
        {
            contents.Add(new TextReasoningContent(message.ReasoningContent));
        }

        if (message?.Content is { } content)
        {
            AddAnswerText(contents, content);
        }

        if (message?.ToolCalls is { } toolCalls)
        {
            contents.AddRange(toolCalls.Select(call => ToFunctionCall(call.Id, call.Function?.Name, call.Function?.Arguments)));
        }

        var reply = new AIChatMessage(ChatRole.Assistant, contents)
        {
            MessageId = completion.Id,
            CreatedAt = ToTime(completion.Created),
        };
        if (!string.IsNullOrEmpty(message?.Refusal))
        {
            (reply.AdditionalProperties ??= [])["refusal"] = message.Refusal;
        }

        var response = new ChatResponse(reply)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = ToTime(completion.Created),
            FinishReason = ToFinishReason(choice?.FinishReason),
            Usage = ToUsage(completion.Usage),
            RawRepresentation = rawRepresentation,
        };
        if (!string.IsNullOrEmpty(completion.SystemFingerprint))
        {
            (response.AdditionalProperties ??= [])["system_fingerprint"] = completion.SystemFingerprint;
        }

        return response;
    }

    private static void AddAnswerText(List<AIContent> contents, JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String when content.GetString() is { Length: > 0 } text:
                contents.Add(new TextContent(text));
                break;
            case JsonValueKind.Array:
                // Some servers answer with parts, as requests may send them: [{"type": "text", "text": ...}].
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        contents.Add(new TextContent(text.GetString()));
                    }
                }

                break;
        }
    }

    /// <summary>A tool call with its arguments parsed; arguments that are not a JSON object leave the parse error in <see cref="FunctionCallContent.Exception"/>.</summary>
    private static FunctionCallContent ToFunctionCall(string? id, string? name, string? arguments) =>
        FunctionCallContent.CreateFromParsedArguments(
            string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments,
            id ?? string.Empty,
            name ?? string.Empty,
            static json => JsonSerializer.Deserialize(json, OpenAIChatJsonContext.Wire.DictionaryStringObject));

    /// <summary>OpenAI's finish reasons as Microsoft.Extensions.AI's; another value is kept as it is.</summary>
    public static ChatFinishReason? ToFinishReason(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    /// <summary>The token counts of <c>usage</c>.</summary>
    public static UsageDetails? ToUsage(ChatCompletionUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens ?? (usage.PromptTokens + usage.CompletionTokens),
        CachedInputTokenCount = usage.PromptDetails?.CachedTokens,
        ReasoningTokenCount = usage.CompletionDetails?.ReasoningTokens,
    };

    private static DateTimeOffset? ToTime(long? unixSeconds) =>
        unixSeconds is > 0 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds.Value) : null;

    // ---- Stream -------------------------------------------------------------------------------------------------

    /// <summary>
    /// The update of one stream chunk, or <see langword="null"/> when the chunk says nothing (a role alone). The
    /// pieces of tool calls are kept in <paramref name="toolCalls"/> until a finish reason (or <see cref="Flush"/>).
    /// </summary>
    public static ChatResponseUpdate? ToUpdate(ChatCompletionResponse chunk, StreamedToolCalls toolCalls, object? rawRepresentation)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(toolCalls);
        var contents = new List<AIContent>();
        ChatFinishReason? finishReason = null;
        var choice = chunk.Choices?.FirstOrDefault(c => c.Index == 0);
        if (choice is not null)
        {
            var delta = choice.Delta ?? ToDelta(choice.Message);
            if (!string.IsNullOrEmpty(delta?.ReasoningContent))
            {
                contents.Add(new TextReasoningContent(delta.ReasoningContent));
            }

            if (!string.IsNullOrEmpty(delta?.Content))
            {
                contents.Add(new TextContent(delta.Content));
            }

            if (delta?.ToolCalls is { } pieces)
            {
                foreach (var piece in pieces)
                {
                    toolCalls.Add(piece);
                }
            }

            finishReason = ToFinishReason(choice.FinishReason);
            if (finishReason is not null)
            {
                contents.AddRange(toolCalls.Take());
            }
        }

        if (ToUsage(chunk.Usage) is { } usage)
        {
            contents.Add(new UsageContent(usage));
        }

        if (contents.Count == 0 && finishReason is null)
        {
            return null;
        }

        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = chunk.Id,
            MessageId = chunk.Id,
            ModelId = chunk.Model,
            CreatedAt = ToTime(chunk.Created),
            FinishReason = finishReason,
            RawRepresentation = rawRepresentation,
        };
    }

    /// <summary>The update that gives the tool calls a stream left unfinished (no finish reason came), or <see langword="null"/>.</summary>
    public static ChatResponseUpdate? Flush(StreamedToolCalls toolCalls, string? responseId, string? modelId)
    {
        var calls = toolCalls.Take();
        return calls.Count == 0
            ? null
            : new ChatResponseUpdate(ChatRole.Assistant, [.. calls]) { ResponseId = responseId, MessageId = responseId, ModelId = modelId };
    }

    /// <summary>A server that streams whole messages (<c>message</c> instead of <c>delta</c>) is read as one delta.</summary>
    private static ChatCompletionDelta? ToDelta(ChatCompletionMessage? message) => message is null ? null : new ChatCompletionDelta
    {
        Role = message.Role,
        Content = message.Content is { ValueKind: JsonValueKind.String } content ? content.GetString() : null,
        ReasoningContent = message.ReasoningContent,
        ToolCalls = message.ToolCalls,
    };

    /// <summary>The tool calls of a stream, gathered piece by piece by their <c>index</c>.</summary>
    internal sealed class StreamedToolCalls
    {
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _calls = [];

        /// <summary>Adds a piece: the first of a call carries its id and name, the others more of its arguments.</summary>
        public void Add(ChatCompletionToolCall piece)
        {
            var index = piece.Index ?? _calls.Count;
            if (!_calls.TryGetValue(index, out var call))
            {
                call = (null, null, new StringBuilder());
            }

            call.Id ??= piece.Id;
            call.Name ??= piece.Function?.Name;
            call.Arguments.Append(piece.Function?.Arguments);
            _calls[index] = call;
        }

        /// <summary>The gathered calls, in index order, and forgets them.</summary>
        public List<AIContent> Take()
        {
            var calls = _calls.Values.Select(c => (AIContent)ToFunctionCall(c.Id, c.Name, c.Arguments.ToString())).ToList();
            _calls.Clear();
            return calls;
        }
    }
}
