using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The output of zero-shot-classification: the text and the candidate labels, best first, with their scores,
/// <c>{sequence, labels, scores}</c>; <c>Scores[i]</c> belongs to <c>Labels[i]</c>.
/// </summary>
public sealed class ZeroShotClassification
{
    /// <summary>The classified text.</summary>
    [JsonPropertyName("sequence")]
    public required string Sequence { get; init; }

    /// <summary>The candidate labels, highest score first.</summary>
    [JsonPropertyName("labels")]
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The score of each label, in the order of <see cref="Labels"/>: they sum to 1 unless <c>multi_label</c> scored each label on its own.</summary>
    [JsonPropertyName("scores")]
    public required IReadOnlyList<double> Scores { get; init; }
}
