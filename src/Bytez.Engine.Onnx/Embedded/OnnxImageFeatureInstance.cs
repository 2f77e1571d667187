using Bytez.Engine.ImageFeatures;
using Bytez.Media.Images;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// The embedded ResNet18 featurizer (<c>architectures</c> <c>DnnImageFeaturizer</c>) as a model instance:
/// <see cref="ResNet18Featurizer"/> behind <see cref="IImageFeatureInstance"/>. The model takes one image per run, so
/// concurrent images run in parallel on the one session (its weights held once), at most
/// <see cref="OnnxRuntimeOptions.EffectiveSessions"/> at a time (one per core by default); the others wait their turn,
/// decoding and preprocessing included.
/// </summary>
public sealed class OnnxImageFeatureInstance : IImageFeatureInstance
{
    private readonly ResNet18Featurizer _featurizer;
    private readonly SemaphoreSlim _slots;

    /// <summary>Wraps an opened featurizer; the instance owns and disposes it.</summary>
    public OnnxImageFeatureInstance(ModelDescriptor model, ResNet18Featurizer featurizer, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _featurizer = featurizer ?? throw new ArgumentNullException(nameof(featurizer));
        _slots = new SemaphoreSlim(options.EffectiveSessions);
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public int Dimensions => ResNet18Featurizer.Dimensions;

    /// <inheritdoc />
    public async ValueTask<float[]> FeaturesAsync(Func<RgbImage> decode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decode);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => _featurizer.Features(decode(), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _featurizer.Dispose();
        _slots.Dispose();
    }
}
