using System.Globalization;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The box of a <see cref="DetectedObject"/>, <c>{"xmin", "ymin", "xmax", "ymax"}</c>: corners in pixels of the
/// original image (after its EXIF orientation), x to the right and y down from the top-left corner. The Python
/// pipeline truncates them to integers and does not clamp them, so a box may reach past the image's edges.
/// </summary>
public sealed class BoundingBox
{
    /// <summary>The left edge.</summary>
    [JsonPropertyName("xmin")]
    public required double XMin { get; init; }

    /// <summary>The top edge.</summary>
    [JsonPropertyName("ymin")]
    public required double YMin { get; init; }

    /// <summary>The right edge.</summary>
    [JsonPropertyName("xmax")]
    public required double XMax { get; init; }

    /// <summary>The bottom edge.</summary>
    [JsonPropertyName("ymax")]
    public required double YMax { get; init; }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{XMin}, {YMin}, {XMax}, {YMax}]");
}
