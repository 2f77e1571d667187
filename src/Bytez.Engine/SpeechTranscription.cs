namespace Bytez.Engine;

/// <summary>
/// A speech recognition answer with what a verbose transcription reports beside it (OpenAI's <c>verbose_json</c>):
/// the Bytez output, the sound's duration and, for Whisper, the segments with their tokens and windows.
/// </summary>
/// <param name="Output">The task's answer, as <see cref="InferenceEngine.RunAsync"/> gives it for the same request.</param>
/// <param name="Duration">The decoded sound's length in seconds.</param>
/// <param name="Segments">Whisper's merged chunks in order; <see langword="null"/> for a model without them (CTC).</param>
public sealed record SpeechTranscription(TaskOutput Output, double Duration, IReadOnlyList<SpeechSegment>? Segments);

/// <summary>One segment of a Whisper transcript.</summary>
/// <param name="Text">The segment's text.</param>
/// <param name="Start">Its start in seconds, or <see langword="null"/> when not timestamped.</param>
/// <param name="End">Its end in seconds, or <see langword="null"/> when Whisper closed no timestamp.</param>
/// <param name="Language">The language name (<c>english</c>), or <see langword="null"/> for an English-only model.</param>
/// <param name="Tokens">The text tokens of the segment (timestamps and special tokens left out).</param>
/// <param name="Seek">The first mel frame (10 ms each for Whisper) of the 30-second window the segment was decoded in.</param>
/// <param name="NoSpeechProbability">That window's probability of <c>&lt;|nospeech|&gt;</c> after the start token, when known.</param>
public sealed record SpeechSegment(
    string Text, double? Start, double? End, string? Language, IReadOnlyList<int> Tokens, int Seek, double? NoSpeechProbability);
