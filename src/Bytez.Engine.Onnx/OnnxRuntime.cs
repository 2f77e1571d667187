using Bytez.Protocol;

namespace Bytez.Engine.Onnx;

/// <summary>
/// The ONNX Runtime backend (<c>onnx</c>): loads sentence-transformers model folders holding an ONNX export
/// (<c>onnx/model.onnx</c> or <c>model.onnx</c>) into <see cref="OnnxEmbeddingInstance"/>s.
/// </summary>
public sealed class OnnxRuntime : IModelRuntime
{
    private readonly OnnxRuntimeOptions _options;

    /// <summary>Creates the runtime with the given options (or the defaults).</summary>
    public OnnxRuntime(OnnxRuntimeOptions? options = null)
    {
        _options = options ?? new OnnxRuntimeOptions();
        _options.Validate();
    }

    /// <summary>The tasks this runtime serves.</summary>
    public static IReadOnlySet<string> SupportedTasks { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        BytezTasks.FeatureExtraction, BytezTasks.SentenceSimilarity,
    };

    /// <inheritdoc />
    public string Name => "onnx";

    /// <inheritdoc />
    public bool CanLoad(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SupportedTasks.Contains(model.Task) && Directory.Exists(model.Path)
            && (SentenceTransformerConfig.FindOnnxFile(model.Path) is not null
                || Directory.EnumerateFiles(model.Path, "model.onnx", SearchOption.AllDirectories).Any());
    }

    /// <inheritdoc />
    public async ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!SupportedTasks.Contains(model.Task))
        {
            throw EngineException.NotSupported(
                $"The ONNX runtime does not serve the task '{model.Task}' (supported: {string.Join(", ", SupportedTasks.Order(StringComparer.Ordinal))}).");
        }

        return await Task.Run(() => OnnxEmbeddingInstance.Load(model, _options, cancellationToken), cancellationToken).ConfigureAwait(false);
    }
}
