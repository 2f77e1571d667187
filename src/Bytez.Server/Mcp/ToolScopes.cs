using Bytez.Engine;
using Bytez.Server.Auth;

namespace Bytez.Server.Mcp;

/// <summary>
/// The scopes of the MCP tools, checked inside each tool since one endpoint (<c>/mcp</c>, open to any valid key) serves
/// them all: <c>run_model</c> needs <c>run</c>, <c>request_model</c> needs <c>models:request</c>; the listings, the
/// resources and <c>get_request</c> only read. The caller's key is the one of the request the tool runs in (the
/// endpoint is stateless); a refusal is a tool error naming the missing scope.
/// </summary>
public static class ToolScopes
{
    /// <summary>Returns when the caller's key holds <paramref name="scope"/>.</summary>
    /// <exception cref="EngineException">It does not (Forbidden: 403, naming the scope and the tool).</exception>
    public static void Demand(IHttpContextAccessor requests, string scope, string tool)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (Caller(requests) is { } identity && !identity.Has(scope))
        {
            throw EngineException.Forbidden($"Forbidden: this key lacks the '{scope}' scope that the {tool} tool needs.");
        }
    }

    /// <summary>Returns when the caller's key may use <paramref name="modelId"/> (its allowed-model patterns).</summary>
    /// <exception cref="EngineException">It may not (Forbidden: 403, naming the model).</exception>
    public static void DemandModel(IHttpContextAccessor requests, string modelId)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(modelId);
        if (Caller(requests) is { } identity && !identity.AllowsModel(modelId))
        {
            throw EngineException.Forbidden(identity.ModelRefusal(modelId));
        }
    }

    private static ApiKeyIdentity? Caller(IHttpContextAccessor requests) =>
        requests.HttpContext is { } context ? ApiKeyIdentity.Of(context) : null;
}
