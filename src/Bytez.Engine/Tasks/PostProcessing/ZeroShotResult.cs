using System.Text.Json.Serialization;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>The zero-shot answer: Hugging Face's <c>{sequence, labels, scores}</c>, in that key order.</summary>
/// <param name="Sequence">The input text.</param>
/// <param name="Labels">The candidate labels, most likely first.</param>
/// <param name="Scores">Their scores, in the same order (float32 values widened to double).</param>
public sealed record ZeroShotResult(
    [property: JsonPropertyName("sequence")] string Sequence,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("scores")] IReadOnlyList<double> Scores);
