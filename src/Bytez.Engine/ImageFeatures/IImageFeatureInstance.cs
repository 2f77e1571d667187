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

    /// <summary>The <see cref="Dimensions"/> features of <paramref name="image"/>, not normalized.</summary>
    /// <exception cref="EngineException">The runtime failed (Internal).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    ValueTask<float[]> FeaturesAsync(RgbImage image, CancellationToken cancellationToken);
}
