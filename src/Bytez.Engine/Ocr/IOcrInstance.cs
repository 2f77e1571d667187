using Bytez.Media.Images;

namespace Bytez.Engine.Ocr;

/// <summary>
/// A loaded model that reads printed text in an image (OCR), line by line; <c>image-to-text</c> answers with its lines.
/// It does not describe images: captioning models (VisionEncoderDecoder) are another kind of instance.
/// </summary>
public interface IOcrInstance : IModelInstance
{
    /// <summary>The lines of text in <paramref name="image"/>, in reading order (top to bottom, then left to right).</summary>
    /// <exception cref="EngineException">The runtime failed (Internal) or the run was cancelled.</exception>
    IReadOnlyList<string> ReadLines(RgbImage image, CancellationToken cancellationToken);
}
