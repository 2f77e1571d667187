using Bytez.Protocol;

namespace Bytez;

// The typed accessors of the vision and audio tasks' outputs (TaskOutputReader.Media). The classification tasks read
// with GetLabels, image-to-text with GetText, image-feature-extraction with GetEmbeddings and the tasks that produce a
// file with GetMediaUrl (BytezResult.Tasks.cs, BytezResult.cs).
public sealed partial class BytezResult
{
    /// <summary>
    /// The objects of object-detection (also zero-shot-object-detection), in the order the model returned them:
    /// <c>[{score, label, box: {xmin, ymin, xmax, ymax}}]</c>, boxes in pixels of the original image. An empty list
    /// when nothing scored above the <c>threshold</c>.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a list of detections.</exception>
    public IReadOnlyList<DetectedObject> GetDetections() => TaskOutputReader.Detections(RequireOutput("detections"));

    /// <summary>
    /// The segments of image-segmentation, <c>[{label, score, mask_png}]</c>: one per label found in the image, each
    /// with its mask as PNG bytes (decoded from the base64, bare or as a data URI, the output carries).
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a list of segments with base64 masks.</exception>
    public IReadOnlyList<ImageSegment> GetSegments() => TaskOutputReader.Segments(RequireOutput("segments"));

    /// <summary>
    /// The depth map of depth-estimation, <c>{depth_png, formatted_predicted_depth_array}</c>: as PNG bytes and as
    /// rows of integers, both of the image's size.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not that object (or its rows differ in length).</exception>
    public DepthEstimation GetDepth() => TaskOutputReader.Depth(RequireOutput("a depth estimation"));

    /// <summary>
    /// The transcript of automatic-speech-recognition: the string the Bytez API answers (no chunks), or the
    /// pipeline's <c>{text, chunks: [{text, timestamp: [start, end]}]}</c> that <c>return_timestamps</c> asks for
    /// (times in seconds; an end may be <see langword="null"/>). For the text alone <see cref="GetText"/> also works
    /// when there are no chunks.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is neither a string nor a transcription object.</exception>
    public Transcription GetTranscription() => TaskOutputReader.Transcription(RequireOutput("a transcription"));
}
