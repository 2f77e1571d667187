using Bytez.Engine.Ocr;
using Bytez.Media.Images;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>The embedded PP-OCRv4 model (<c>architectures</c> <c>PPOCRv4</c>) as a model instance: <see cref="PaddleOcr"/> behind <see cref="IOcrInstance"/>.</summary>
public sealed class OnnxOcrInstance : IOcrInstance
{
    private readonly PaddleOcr _ocr;

    /// <summary>Wraps an opened reader; the instance owns and disposes it.</summary>
    public OnnxOcrInstance(ModelDescriptor model, PaddleOcr ocr)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _ocr = ocr ?? throw new ArgumentNullException(nameof(ocr));
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> ReadLines(RgbImage image, CancellationToken cancellationToken) =>
        _ocr.Read(image, cancellationToken).Select(l => l.Text).ToList();

    /// <inheritdoc />
    public void Dispose() => _ocr.Dispose();
}
