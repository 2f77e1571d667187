namespace Bytez.Server.Auth;

/// <summary>
/// The scopes a key can hold, each allowing one family of routes: <see cref="Run"/> runs models (every run route,
/// including the OpenAI, Anthropic, rerank, TEI, tokenizer and MCP ones), <see cref="ModelsRequest"/> requests and
/// cancels model downloads, <see cref="ClustersManage"/> loads, updates and shuts down clusters, <see cref="Admin"/>
/// manages keys and holds every other scope too.
/// </summary>
public static class ApiKeyScopes
{
    /// <summary>Running models.</summary>
    public const string Run = "run";

    /// <summary>Requesting (and cancelling) model downloads from the hub.</summary>
    public const string ModelsRequest = "models:request";

    /// <summary>Loading, updating and shutting down clusters.</summary>
    public const string ClustersManage = "clusters:manage";

    /// <summary>The admin API (keys); implies every other scope.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, in the order they are documented.</summary>
    public static IReadOnlyList<string> All { get; } = [Run, ModelsRequest, ClustersManage, Admin];

    /// <summary>Whether <paramref name="scope"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Whether a key holding <paramref name="held"/> may use a route that needs <paramref name="required"/>.</summary>
    public static bool Allows(IReadOnlyCollection<string> held, string required)
    {
        ArgumentNullException.ThrowIfNull(held);
        return held.Contains(Admin, StringComparer.Ordinal) || held.Contains(required, StringComparer.Ordinal);
    }
}
