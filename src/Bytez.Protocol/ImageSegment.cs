using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One segment of image-segmentation: a label and the mask of its pixels, <c>{"label", "score", "mask_png"}</c>.
/// </summary>
public sealed class ImageSegment
{
    /// <summary>The label, from the model's <c>id2label</c>.</summary>
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>The segment's score: <see langword="null"/> for semantic segmentation, a probability for panoptic and instance models.</summary>
    [JsonPropertyName("score")]
    public double? Score { get; init; }

    /// <summary>
    /// The mask as a PNG file: a greyscale image of the input's size, 255 on the segment's pixels and 0 elsewhere
    /// (sent as base64 on the wire). Compare masks by decoding them, never by their bytes: PNG encoders differ.
    /// </summary>
    [JsonPropertyName("mask_png")]
    public required byte[] MaskPng { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Label} {Score} ({MaskPng.Length} bytes of PNG)";
}
