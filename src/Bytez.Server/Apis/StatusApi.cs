using Bytez.Engine;

namespace Bytez.Server.Apis;

/// <summary>
/// Our extension <c>GET status</c>: the scheduler's memory figures, <c>{memoryBudget, memoryUsed}</c> in bytes, for
/// a dashboard such as the playground's instances view. It needs a valid key (no scope), like the other reads.
/// </summary>
public static class StatusApi
{
    /// <summary>The route under the API group.</summary>
    public const string Route = "/status";

    /// <summary>Maps the status route onto the API group.</summary>
    public static RouteGroupBuilder MapStatusApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet(Route, ReadAsync);
        return api;
    }

    private static Task ReadAsync(HttpContext context, InferenceEngine engine) =>
        Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("memoryBudget", engine.Scheduler.BudgetBytes);
            w.WriteNumber("memoryUsed", engine.Scheduler.UsedBytes);
            w.WriteEndObject();
        });
}
