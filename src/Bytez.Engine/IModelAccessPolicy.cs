namespace Bytez.Engine;

/// <summary>
/// Decides whether the caller of the engine may use a model. <see cref="InferenceEngine.FindModel"/>, the lookup every
/// run, embedding, ranking, tokenizer call and cluster operation goes through, asks it for every model id it is given,
/// before the catalog is read, so a refused caller learns nothing about which models exist. The engine knows nothing
/// of callers: the host supplies the policy (the server's reads the request's API key).
/// </summary>
public interface IModelAccessPolicy
{
    /// <summary>Returns when the current caller may use <paramref name="modelId"/>; throws otherwise.</summary>
    /// <exception cref="EngineException">The caller may not use the model (<see cref="EngineErrorKind.Forbidden"/>, a message naming it).</exception>
    void Demand(string modelId);
}
