namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>The function a cross-encoder applies to its logits (sentence-transformers' <c>activation_fn</c>).</summary>
public enum CrossEncoderActivation
{
    /// <summary>The logistic function: scores in (0, 1).</summary>
    Sigmoid,

    /// <summary>The logits as they are (e.g. the ms-marco cross-encoders, whose config.json says so).</summary>
    Identity,

    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
}

/// <summary>
/// Chooses and applies a cross-encoder's activation as sentence-transformers 5.1 <c>CrossEncoder</c> does
/// (<c>get_default_activation_fn</c>).
/// </summary>
public static class CrossEncoderActivations
{
    /// <summary>
    /// The activation of a model: config.json <c>sentence_transformers.activation_fn</c>, else the legacy
    /// <c>sbert_ce_default_activation_function</c> (pass whichever is present); a path outside <c>torch.</c> is not
    /// trusted and ignored (sentence-transformers without <c>trust_remote_code</c>); without one, Sigmoid for a
    /// one-label model and Identity otherwise. A torch function we do not implement is refused.
    /// </summary>
    public static CrossEncoderActivation Resolve(string? configuredFunction, int numLabels)
    {
        if (configuredFunction is { } path && path.StartsWith("torch.", StringComparison.Ordinal))
        {
            return path[(path.LastIndexOf('.') + 1)..] switch
            {
                "Sigmoid" => CrossEncoderActivation.Sigmoid,
                "Identity" => CrossEncoderActivation.Identity,
                "Tanh" => CrossEncoderActivation.Tanh,
                _ => throw EngineException.NotSupported(
                    $"The model's activation function {path} is not supported (Sigmoid, Identity and Tanh are)."),
            };
        }

        return numLabels == 1 ? CrossEncoderActivation.Sigmoid : CrossEncoderActivation.Identity;
    }

    /// <summary>Applies the activation to one logit, in float32 as torch does.</summary>
    public static float Apply(this CrossEncoderActivation activation, float logit) => activation switch
    {
        CrossEncoderActivation.Sigmoid => Float32Math.Sigmoid(logit),
        CrossEncoderActivation.Tanh => MathF.Tanh(logit),
        _ => logit,
    };
}
