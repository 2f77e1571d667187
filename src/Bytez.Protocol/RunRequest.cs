using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The body of <c>POST /models/v2/{modelId}</c>. Every field is optional; which ones a request needs depends on the
/// model's task. Current official clients send only <see cref="Input"/>; older ones send the task fields.
/// </summary>
public sealed class RunRequest
{
    /// <summary>The generic input, mapped by the server to the task's own field.</summary>
    [JsonPropertyName("input")]
    public JsonElement? Input { get; init; }

    /// <summary>Text input for NLP and text-to-media tasks.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>Chat messages for chat-style tasks.</summary>
    [JsonPropertyName("messages")]
    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>An http(s) URL of a media input.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; init; }

    /// <summary>A media input as a data URI or raw base64.</summary>
    [JsonPropertyName("base64")]
    public string? Base64 { get; init; }

    /// <summary>The question of question-answering tasks.</summary>
    [JsonPropertyName("question")]
    public string? Question { get; init; }

    /// <summary>The context of question-answering tasks.</summary>
    [JsonPropertyName("context")]
    public string? Context { get; init; }

    /// <summary>The labels of zero-shot tasks.</summary>
    [JsonPropertyName("candidate_labels")]
    public IReadOnlyList<string>? CandidateLabels { get; init; }

    /// <summary>Model parameters (Hugging Face generation or pipeline keyword arguments).</summary>
    [JsonPropertyName("params")]
    public JsonElement? Params { get; init; }

    /// <summary>Asks for the output as a stream of raw text chunks.</summary>
    [JsonPropertyName("stream")]
    public bool? Stream { get; init; }

    /// <summary>Set to <see langword="false"/> to receive raw media bytes instead of a JSON envelope.</summary>
    [JsonPropertyName("json")]
    public bool? Json { get; init; }
}
