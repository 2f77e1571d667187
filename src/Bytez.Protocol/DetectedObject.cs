using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One object found by object-detection (also zero-shot-object-detection): its label, score and box,
/// <c>{"score", "label", "box": {"xmin", "ymin", "xmax", "ymax"}}</c>.
/// </summary>
public sealed class DetectedObject
{
    /// <summary>The probability of <see cref="Label"/> for this object (above the request's <c>threshold</c>).</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <summary>The label, from the model's <c>id2label</c>.</summary>
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>Where the object is, in pixels of the original image.</summary>
    [JsonPropertyName("box")]
    public required BoundingBox Box { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Label} {Score} {Box}";
}
