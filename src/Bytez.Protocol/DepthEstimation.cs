using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The output of depth-estimation, <c>{"depth_png", "formatted_predicted_depth_array"}</c>: the depth map as an image
/// and as numbers, both of the input image's size.
/// </summary>
public sealed class DepthEstimation
{
    /// <summary>
    /// The depth map as a greyscale PNG file (sent as base64 on the wire): the depth scaled from its minimum (0) to
    /// its maximum (255), as the Python pipeline's <c>depth</c> image.
    /// </summary>
    [JsonPropertyName("depth_png")]
    public required byte[] DepthPng { get; init; }

    /// <summary>
    /// The predicted depth as rows (the image's height) of integers 0 to 255 (its width): <c>depth · 255 / max(depth)</c>,
    /// as the Bytez depth container formats the pipeline's <c>predicted_depth</c>.
    /// </summary>
    [JsonPropertyName("formatted_predicted_depth_array")]
    public required IReadOnlyList<IReadOnlyList<int>> FormattedPredictedDepthArray { get; init; }
}
