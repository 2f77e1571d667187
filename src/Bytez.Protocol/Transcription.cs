using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The output of automatic-speech-recognition: the transcript, and its pieces with their times when the request
/// asked for <c>return_timestamps</c>, <c>{"text", "chunks": [{"text", "timestamp": [start, end]}]}</c>. The Bytez
/// API answers the transcript alone as a string; that reads as a transcription without chunks.
/// </summary>
public sealed class Transcription
{
    /// <summary>The whole transcript.</summary>
    [JsonPropertyName("text")]
    public required string Text { get; init; }

    /// <summary>The pieces in time order (segments, words or characters, as the request asked); empty when none were returned.</summary>
    [JsonPropertyName("chunks")]
    public IReadOnlyList<TranscriptionChunk> Chunks { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() => Text;
}
