using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One label and its score: an item of the output of text-classification (and of image-, audio- and
/// video-classification), <c>{"label": ..., "score": ...}</c>.
/// </summary>
public sealed class LabelScore
{
    /// <summary>The label, from the model's <c>id2label</c> (<c>LABEL_{i}</c> when the model names none).</summary>
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>The score: a probability after softmax or sigmoid, or the raw logit for regression models.</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Label} {Score}";
}
