using Bytez.Media.Images;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// Runs the embedded ResNet18 image featurizer (<c>microsoft/dnn-image-featurizer-resnet18</c>): the image is scaled
/// so its shorter side is 224 and centre-cropped to 224 × 224 (ML.NET's <c>IsoCrop</c>), given as RGB planes of 0–255
/// floats to <c>onnx/preprocess.onnx</c> (which reorders them to BGR and subtracts the ImageNet mean image), then to
/// <c>onnx/model.onnx</c>, whose global average pool gives 512 features. Thread-safe; batch size is fixed at 1 by the
/// model.
/// </summary>
public sealed class ResNet18Featurizer : IDisposable
{
    /// <summary>The side of the square the model sees.</summary>
    public const int ImageSize = 224;

    /// <summary>The number of features per image.</summary>
    public const int Dimensions = 512;

    private static readonly long[] InputShape = [1, 3, ImageSize, ImageSize];
    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _model;
    private readonly string _preprocessInput;
    private readonly string _preprocessOutput;
    private readonly string _modelInput;
    private readonly string _modelOutput;

    private ResNet18Featurizer(InferenceSession preprocess, InferenceSession model)
    {
        _preprocess = preprocess;
        _model = model;
        _preprocessInput = preprocess.InputMetadata.Keys.Single();
        _preprocessOutput = preprocess.OutputMetadata.Keys.Single();
        _modelInput = model.InputMetadata.Keys.Single();
        _modelOutput = model.OutputMetadata.Keys.Single();
    }

    /// <summary>Opens the model folder (<c>onnx/preprocess.onnx</c> and <c>onnx/model.onnx</c>).</summary>
    /// <exception cref="EngineException">A file is missing (NotFound) or ONNX Runtime cannot load it (Internal).</exception>
    public static ResNet18Featurizer Open(string modelFolder, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(options);
        var preprocessPath = EmbeddedRunnerFiles.Require(modelFolder, "onnx/preprocess.onnx");
        var modelPath = EmbeddedRunnerFiles.Require(modelFolder, "onnx/model.onnx");
        using var sessionOptions = OnnxSessions.CreateOptions(options);
        var preprocess = OnnxSessions.Open(preprocessPath, sessionOptions);
        try
        {
            return new ResNet18Featurizer(preprocess, OnnxSessions.Open(modelPath, sessionOptions));
        }
        catch
        {
            preprocess.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The model's input for <paramref name="image"/>: shorter side scaled to 224, centre crop, bilinear sampling,
    /// RGB planes (3 × 224 × 224) of 0–255 floats.
    /// </summary>
    public static float[] InputPlanes(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var side = (double)Math.Min(image.Width, image.Height);
        var left = (image.Width - side) / 2;
        var top = (image.Height - side) / 2;
        var pixels = ImageSampling.Resize(image, left, top, side, side, ImageSize, ImageSize);
        const int Plane = ImageSize * ImageSize;
        var planes = new float[3 * Plane];
        for (var i = 0; i < Plane; i++)
        {
            planes[i] = pixels[i * 3];
            planes[Plane + i] = pixels[(i * 3) + 1];
            planes[(2 * Plane) + i] = pixels[(i * 3) + 2];
        }

        return planes;
    }

    /// <summary>The 512 features of <paramref name="image"/> (not normalized).</summary>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public float[] Features(RgbImage image, CancellationToken cancellationToken = default)
    {
        var planes = InputPlanes(image);
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(planes, InputShape);
        using var prepared = OnnxSessions.Run(_preprocess, runOptions, [_preprocessInput], [input], [_preprocessOutput], "the ResNet18 preprocessing", cancellationToken);
        using var features = OnnxSessions.Run(_model, runOptions, [_modelInput], [prepared[0]], [_modelOutput], "ResNet18", cancellationToken);
        return features[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _preprocess.Dispose();
        _model.Dispose();
    }
}
