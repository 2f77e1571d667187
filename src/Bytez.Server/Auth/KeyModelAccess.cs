using Bytez.Engine;

namespace Bytez.Server.Auth;

/// <summary>
/// The engine's model access policy on this server: the model ids the request's API key may use
/// (<see cref="ApiKeyIdentity.AllowsModel"/>). The engine asks it at its one model lookup
/// (<see cref="InferenceEngine.FindModel"/>), so the allowed-model patterns hold wherever a request names a model: the
/// Bytez and v1 routes, OpenAI's and Anthropic's <c>model</c> fields, rerank, TEI, the tokenizer utilities and MCP's
/// <c>run_model</c>. The request is found through <see cref="IHttpContextAccessor"/> (the MCP endpoint is stateless,
/// so a tool runs inside its request); outside a request (the server's own work) every model is allowed.
/// </summary>
public sealed class KeyModelAccess(IHttpContextAccessor requests) : IModelAccessPolicy
{
    /// <inheritdoc />
    public void Demand(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        if (requests.HttpContext is { } context && ApiKeyIdentity.Of(context) is { } identity && !identity.AllowsModel(modelId))
        {
            throw EngineException.Forbidden(identity.ModelRefusal(modelId));
        }
    }
}
