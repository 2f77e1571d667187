using Bytez.Engine.Tensors;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// Loads the embedded media models for <see cref="OnnxRuntime"/>, recognised by the <c>architectures</c> of their
/// <c>config.json</c> (written at install by <c>EmbeddedMediaModels</c>): <c>DnnImageFeaturizer</c> →
/// <see cref="OnnxImageFeatureInstance"/>, <c>PPOCRv4</c> → <see cref="OnnxOcrInstance"/>, <c>SileroVad</c> →
/// <see cref="OnnxVoiceActivityInstance"/>. Each opens its graphs through the session core (<see cref="OnnxSessions"/>).
/// </summary>
public static class EmbeddedMediaLoader
{
    /// <summary>The architecture of the ResNet18 image featurizer.</summary>
    public const string ResNet18Architecture = "DnnImageFeaturizer";

    /// <summary>The architecture of the PP-OCRv4 reader.</summary>
    public const string PpOcrV4Architecture = "PPOCRv4";

    /// <summary>The architecture of Silero VAD.</summary>
    public const string SileroVadArchitecture = "SileroVad";

    /// <summary>The architectures loaded here.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [ResNet18Architecture, PpOcrV4Architecture, SileroVadArchitecture];

    /// <summary>
    /// The embedded architecture a model folder declares, or <see langword="null"/> when it declares none of
    /// <see cref="Architectures"/> (or has no readable <c>config.json</c>).
    /// </summary>
    public static string? ArchitectureOf(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        if (!File.Exists(Path.Combine(modelFolder, TensorModelConfig.ConfigFile)))
        {
            return null;
        }

        try
        {
            return TensorModelConfig.Read(modelFolder).Architectures.FirstOrDefault(a => Architectures.Contains(a, StringComparer.Ordinal));
        }
        catch (EngineException)
        {
            return null;
        }
    }

    /// <summary>Loads the model as the instance of its architecture.</summary>
    /// <exception cref="EngineException">
    /// The folder declares no embedded architecture (NotSupported, naming those that are), a file is missing
    /// (NotFound) or ONNX Runtime cannot load it (Internal).
    /// </exception>
    public static IModelInstance Load(ModelDescriptor model, OnnxRuntimeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        return ArchitectureOf(model.Path) switch
        {
            ResNet18Architecture => new OnnxImageFeatureInstance(model, ResNet18Featurizer.Open(model.Path, options), options),
            PpOcrV4Architecture => new OnnxOcrInstance(model, PaddleOcr.Open(model.Path, options)),
            SileroVadArchitecture => new OnnxVoiceActivityInstance(model, SileroVad.Open(model.Path, options)),
            _ => throw EngineException.NotSupported(
                $"The model {model.Id} ({model.Task}) is not one the ONNX runtime loads: its config.json declares none of the " +
                $"embedded architectures {string.Join(", ", Architectures)}."),
        };
    }
}
