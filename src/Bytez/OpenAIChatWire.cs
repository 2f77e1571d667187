using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez;

// The JSON of OpenAI's Chat Completions API (POST {base}/openai/v1/chat/completions) as the adapter writes and reads
// it: the request, the answer, and the chunks of a stream. Only the fields the adapter maps are typed; the request's
// extension data carries ChatOptions.AdditionalProperties as further top-level keys.

/// <summary>The body of <c>POST chat/completions</c>.</summary>
internal sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public required string Model { get; set; }
    [JsonPropertyName("messages")] public required List<ChatCompletionMessage> Messages { get; set; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    [JsonPropertyName("temperature")] public float? Temperature { get; set; }
    [JsonPropertyName("top_p")] public float? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("frequency_penalty")] public float? FrequencyPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public float? PresencePenalty { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("stop")] public List<string>? Stop { get; set; }
    [JsonPropertyName("response_format")] public ChatCompletionResponseFormat? ResponseFormat { get; set; }
    [JsonPropertyName("tools")] public List<ChatCompletionTool>? Tools { get; set; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }
    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public ChatCompletionStreamOptions? StreamOptions { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>One message of the conversation: <c>content</c> is a string, an array of parts, or absent.</summary>
internal sealed class ChatCompletionMessage
{
    [JsonPropertyName("role")] public required string Role { get; set; }
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tool_calls")] public List<ChatCompletionToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
    [JsonPropertyName("refusal")] public string? Refusal { get; set; }

    /// <summary>The thinking text of reasoning models (vLLM, DeepSeek, this project's server); not sent back.</summary>
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; set; }
}

/// <summary>One part of a user message's content array.</summary>
internal sealed class ChatCompletionContentPart
{
    [JsonPropertyName("type")] public required string Type { get; set; }
    [JsonPropertyName("text")] public string? Text { get; set; }
    [JsonPropertyName("image_url")] public ChatCompletionImageUrl? ImageUrl { get; set; }
    [JsonPropertyName("input_audio")] public ChatCompletionInputAudio? InputAudio { get; set; }
    [JsonPropertyName("file")] public ChatCompletionFile? File { get; set; }
}

/// <summary>An image part: an http(s) URL or a data URI.</summary>
internal sealed class ChatCompletionImageUrl
{
    [JsonPropertyName("url")] public required string Url { get; set; }
    [JsonPropertyName("detail")] public string? Detail { get; set; }
}

/// <summary>An audio part: base64 data and its format (<c>wav</c> or <c>mp3</c>).</summary>
internal sealed class ChatCompletionInputAudio
{
    [JsonPropertyName("data")] public required string Data { get; set; }
    [JsonPropertyName("format")] public required string Format { get; set; }
}

/// <summary>A file part: the file as a data URI, and its name.</summary>
internal sealed class ChatCompletionFile
{
    [JsonPropertyName("file_data")] public string? FileData { get; set; }
    [JsonPropertyName("filename")] public string? FileName { get; set; }
}

/// <summary>A tool call of an assistant message (whole), or a piece of one in a stream's delta (with <c>index</c>).</summary>
internal sealed class ChatCompletionToolCall
{
    [JsonPropertyName("index")] public int? Index { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public ChatCompletionFunctionCall? Function { get; set; }
}

/// <summary>The function of a tool call: its name and its arguments as a JSON text.</summary>
internal sealed class ChatCompletionFunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("arguments")] public string? Arguments { get; set; }
}

/// <summary>A tool the model may call: <c>{"type": "function", "function": {...}}</c>.</summary>
internal sealed class ChatCompletionTool
{
    [JsonPropertyName("type")] public string Type { get; set; } = "function";
    [JsonPropertyName("function")] public required ChatCompletionFunction Function { get; set; }
}

/// <summary>A function's declaration: name, description and the JSON schema of its parameters.</summary>
internal sealed class ChatCompletionFunction
{
    [JsonPropertyName("name")] public required string Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; set; }
}

/// <summary><c>{"type": "json_object"}</c>, or <c>{"type": "json_schema", "json_schema": {...}}</c>.</summary>
internal sealed class ChatCompletionResponseFormat
{
    [JsonPropertyName("type")] public required string Type { get; set; }
    [JsonPropertyName("json_schema")] public ChatCompletionJsonSchema? JsonSchema { get; set; }
}

/// <summary>The schema the answer must follow, with its name and description.</summary>
internal sealed class ChatCompletionJsonSchema
{
    [JsonPropertyName("name")] public required string Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
}

/// <summary><c>stream_options</c>: ask for the usage chunk at the end of a stream.</summary>
internal sealed class ChatCompletionStreamOptions
{
    [JsonPropertyName("include_usage")] public bool IncludeUsage { get; set; }
}

/// <summary>The answer of a request without <c>stream</c> (<c>chat.completion</c>), and each chunk of a stream (<c>chat.completion.chunk</c>).</summary>
internal sealed class ChatCompletionResponse
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("object")] public string? Object { get; set; }
    [JsonPropertyName("created")] public long? Created { get; set; }
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; set; }
    [JsonPropertyName("choices")] public List<ChatCompletionChoice>? Choices { get; set; }
    [JsonPropertyName("usage")] public ChatCompletionUsage? Usage { get; set; }

    /// <summary>An error a server writes into a stream when it fails after the stream began.</summary>
    [JsonPropertyName("error")] public JsonElement? Error { get; set; }
}

/// <summary>One choice: <c>message</c> in an answer, <c>delta</c> in a chunk.</summary>
internal sealed class ChatCompletionChoice
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("message")] public ChatCompletionMessage? Message { get; set; }
    [JsonPropertyName("delta")] public ChatCompletionDelta? Delta { get; set; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; set; }
}

/// <summary>The new part of the assistant's message in a stream chunk.</summary>
internal sealed class ChatCompletionDelta
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; set; }
    [JsonPropertyName("refusal")] public string? Refusal { get; set; }
    [JsonPropertyName("tool_calls")] public List<ChatCompletionToolCall>? ToolCalls { get; set; }
}

/// <summary>Token counts of a request.</summary>
internal sealed class ChatCompletionUsage
{
    [JsonPropertyName("prompt_tokens")] public long? PromptTokens { get; set; }
    [JsonPropertyName("completion_tokens")] public long? CompletionTokens { get; set; }
    [JsonPropertyName("total_tokens")] public long? TotalTokens { get; set; }
    [JsonPropertyName("prompt_tokens_details")] public ChatCompletionPromptDetails? PromptDetails { get; set; }
    [JsonPropertyName("completion_tokens_details")] public ChatCompletionCompletionDetails? CompletionDetails { get; set; }
}

/// <summary>Details of the prompt's token count.</summary>
internal sealed class ChatCompletionPromptDetails
{
    [JsonPropertyName("cached_tokens")] public long? CachedTokens { get; set; }
}

/// <summary>Details of the completion's token count.</summary>
internal sealed class ChatCompletionCompletionDetails
{
    [JsonPropertyName("reasoning_tokens")] public long? ReasoningTokens { get; set; }
}

/// <summary>OpenAI's error body, <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed class OpenAIErrorBody
{
    [JsonPropertyName("error")] public JsonElement? Error { get; set; }
}

/// <summary>Source-generated metadata of the chat wire types (trim and AOT safe), writing only JSON's own escapes.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(List<ChatCompletionContentPart>))]
[JsonSerializable(typeof(OpenAIErrorBody))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class OpenAIChatJsonContext : JsonSerializerContext
{
    /// <summary>The context the adapter uses: as <see cref="Default"/>, with JSON's own escaping only (see <see cref="RequestJson"/>).</summary>
    public static OpenAIChatJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
