using Bytez.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bytez.Server.Observability;

/// <summary>
/// Ready when the server has started listening, is not shutting down, and the engine's model catalog is loaded.
/// Reports the number of models in the catalog.
/// </summary>
public sealed class ReadinessHealthCheck(IServiceProvider services, IHostApplicationLifetime lifetime) : IHealthCheck
{
    /// <summary>The name the check reports under.</summary>
    public const string Name = "engine";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The server is shutting down."));
        }

        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The server is starting."));
        }

        // The engine is a singleton built (with its catalog) before the server starts; resolving it here is a lookup.
        if (services.GetService<InferenceEngine>() is not { } engine)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The engine is not registered."));
        }

        var models = engine.Catalog.List().Count;
        return Task.FromResult(HealthCheckResult.Healthy(
            $"{models} models in the catalog.",
            new Dictionary<string, object> { ["models"] = models }));
    }
}
