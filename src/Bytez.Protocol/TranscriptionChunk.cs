using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// A piece of a <see cref="Transcription"/> with its time in the audio: <c>{"text", "timestamp": [start, end]}</c>, as
/// transformers' speech recognition pipeline returns it (Whisper segments or words, CTC words or characters).
/// </summary>
public sealed class TranscriptionChunk
{
    /// <summary>The piece's text.</summary>
    [JsonPropertyName("text")]
    public required string Text { get; init; }

    /// <summary>
    /// <c>[start, end]</c> in seconds from the start of the audio; an item is <see langword="null"/> when the model
    /// predicted no such time (Whisper's last segment when the audio ends mid-sentence has no end).
    /// </summary>
    [JsonPropertyName("timestamp")]
    public required IReadOnlyList<double?> Timestamp { get; init; }

    /// <summary>The language of the piece, when the request asked for <c>return_language</c>; otherwise <see langword="null"/>.</summary>
    [JsonPropertyName("language")]
    public string? Language { get; init; }

    /// <summary>When the piece starts, in seconds (<c>timestamp[0]</c>), or <see langword="null"/> when unknown.</summary>
    [JsonIgnore]
    public double? Start => Timestamp.Count > 0 ? Timestamp[0] : null;

    /// <summary>When the piece ends, in seconds (<c>timestamp[1]</c>), or <see langword="null"/> when unknown.</summary>
    [JsonIgnore]
    public double? End => Timestamp.Count > 1 ? Timestamp[1] : null;

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End}] {Text}";
}
