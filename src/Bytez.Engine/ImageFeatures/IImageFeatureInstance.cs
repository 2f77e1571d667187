using Bytez.Media.Images;

namespace Bytez.Engine.ImageFeatures;

/// <summary>
/// A loaded model that turns a decoded image into one pooled feature vector, doing its own preprocessing (the
/// embedded ResNet18 featurizer); <c>image-feature-extraction</c> answers with the vector. Models with a
/// <c>preprocessor_config.json</c> are <see cref="Tensors.ITensorInstance"/>s instead.
/// </summary>
public interface IImageFeatureInstance : IModelInstance
{
    /// <summary>The length of every feature vector.</summary>
    int Dimensions { get; }

    /// <summary>
    /// The <see cref="Dimensions"/> features of the image <paramref name="decode"/> gives, not normalized. The instance
    /// calls <paramref name="decode"/> when the image's turn comes, inside its concurrency limit, so that at most as many
    /// images are decoded and held at once as run (a burst of large photos neither piles decoded pixels up in memory nor
    /// competes with the runs for the cores).
    /// </summary>
    /// <exception cref="EngineException">The image cannot be decoded (from <paramref name="decode"/>), or the runtime failed (Internal).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    ValueTask<float[]> FeaturesAsync(Func<RgbImage> decode, CancellationToken cancellationToken);
}
