using Bytez.Server.Apis;
using Bytez.Server.Apis.Admin;
using Bytez.Server.Apis.Anthropic;
using Bytez.Server.Apis.OpenAi;
using Bytez.Server.Apis.Rerank;
using Bytez.Server.Apis.Tei;
using Bytez.Server.Apis.Tokenizer;
using Bytez.Server.Hosting;
using Bytez.Server.Mcp;

namespace Bytez.Server.Auth;

/// <summary>
/// The one place that decides which scope a route needs, from the matched endpoint's route pattern and the method:
/// <c>models:request</c> to request or cancel a download (<c>POST/DELETE request/{org}/{model}</c>, v1
/// <c>/model/job</c>); <c>clusters:manage</c> to load, update or shut down a cluster (<c>PUT/PATCH/DELETE
/// {org}/{model}</c>, v1 <c>/model/load</c> and <c>/model/delete</c>); <c>run</c> to run a model (<c>POST
/// {org}/{model}</c>, v1 <c>/model/run</c>, every OpenAI, Anthropic, rerank, TEI, tokenizer and MCP route except the
/// model listings); <c>admin</c> for the admin API. Reading lists and states needs only a valid key.
/// </summary>
public static class RouteScopes
{
    /// <summary>The scope the request's route needs, or <see langword="null"/> when any valid key will do.</summary>
    public static string? Required(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path;
        var method = context.Request.Method;
        if (path.StartsWithSegments(KeysApi.AdminPrefix))
        {
            return ApiKeyScopes.Admin;
        }

        var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        switch (pattern)
        {
            case BytezServer.ApiPrefix + "/request/{org}/{name}":
                return HttpMethods.IsGet(method) ? null : ApiKeyScopes.ModelsRequest;
            case BytezServer.ApiPrefix + "/{org}/{name}":
                return HttpMethods.IsGet(method) ? null : HttpMethods.IsPost(method) ? ApiKeyScopes.Run : ApiKeyScopes.ClustersManage;
            case V1Api.Prefix + "/job":
                return ApiKeyScopes.ModelsRequest;
            case V1Api.Prefix + "/load" or V1Api.Prefix + "/delete":
                return ApiKeyScopes.ClustersManage;
            case V1Api.Prefix + "/run":
                return ApiKeyScopes.Run;
        }

        if (McpApi.IsMcpPath(path) || path.StartsWithSegments(BytezServer.ApiPrefix + TokenizerApi.Folder))
        {
            return ApiKeyScopes.Run;
        }

        if (OpenAiApi.IsOpenAiPath(path) || AnthropicApi.IsAnthropicPath(path) || RerankApi.IsRerankPath(path) || TeiApi.IsTeiPath(path)
            || TokenizerAliasesApi.IsAliasPath(path))
        {
            // The model listings are reads; everything else there runs a model or reads what a run stored.
            return HttpMethods.IsGet(method) && pattern is not null
                && (pattern.EndsWith("/v1/models", StringComparison.Ordinal) || pattern.Contains("/v1/models/", StringComparison.Ordinal)) ? null : ApiKeyScopes.Run;
        }

        return null;
    }

    /// <summary>The model a route names in its path (<c>{org}/{name}</c>), or <see langword="null"/>.</summary>
    public static string? ModelOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var values = context.Request.RouteValues;
        return values.TryGetValue("org", out var org) && values.TryGetValue("name", out var name) && org is string o && name is string n
            ? $"{o}/{n}"
            : null;
    }
}
