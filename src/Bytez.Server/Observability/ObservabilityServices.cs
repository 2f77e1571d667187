using System.Diagnostics.Metrics;
using Bytez.Engine.Metrics;
using Bytez.Hub;
using Bytez.Server.Auth;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Bytez.Server.Observability;

/// <summary>
/// Metrics and health: OpenTelemetry metrics served to Prometheus at <c>/metrics</c> (the engine's
/// <c>Bytez.Engine</c> meter, ASP.NET Core's HTTP server metrics, .NET runtime and process metrics), and the health
/// endpoints <c>/health/live</c> and <c>/health/ready</c>. These sit outside <c>/models/v2</c> and take no API key
/// (unless <see cref="MetricsOptions.RequireKey"/> is set for the metrics endpoint).
/// </summary>
public static class ObservabilityServices
{
    /// <summary>The liveness path: 200 while the process serves HTTP.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness path: 200 once the catalog is loaded and the server accepts requests, else 503.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>The service name reported in the metrics' resource (<c>target_info</c>).</summary>
    public const string ServiceName = "bytez-server";

    private const string LiveTag = "live";
    private const string ReadyTag = "ready";

    /// <summary>
    /// Adds health checks and, unless <c>Bytez:Metrics:Enabled</c> is false, OpenTelemetry metrics with the
    /// Prometheus exporter. Reads <see cref="MetricsOptions"/> from <paramref name="configuration"/>.
    /// </summary>
    public static IServiceCollection AddBytezObservability(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = MetricsOptions.Read(configuration);
        services.AddSingleton(options);

        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves requests."), [LiveTag])
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Name, tags: [ReadyTag]);

        if (options.Enabled)
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(ObservabilityServices).Assembly.GetName().Version?.ToString()))
                .WithMetrics(metrics => metrics
                    .AddMeter(EngineMetrics.MeterName)
                    .AddMeter(HubMetrics.MeterName)
                    .AddMeter(UsageMetrics.MeterName)
                    .AddAspNetCoreInstrumentation() // Microsoft.AspNetCore.Hosting and Kestrel: http.server.request.duration by route
                    .AddRuntimeInstrumentation() // System.Runtime: GC, heap, threads, process CPU and working set
                    .AddPrometheusExporter());
            services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
                metrics.AddView(EngineView(provider.GetRequiredService<IMeterFactory>())));
        }

        return services;
    }

    /// <summary>
    /// Maps <c>/health/live</c>, <c>/health/ready</c> and, when metrics are enabled, the Prometheus scrape endpoint.
    /// Call after <see cref="AddBytezObservability"/>.
    /// </summary>
    public static WebApplication MapBytezObservability(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetService<MetricsOptions>()
            ?? throw new InvalidOperationException($"Call {nameof(AddBytezObservability)} before {nameof(MapBytezObservability)}.");

        // Probes and scrapes are not traffic: keep them out of the HTTP request metrics.
        app.MapHealthChecks(LivePath, HealthOptions(LiveTag)).DisableHttpMetrics();
        app.MapHealthChecks(ReadyPath, HealthOptions(ReadyTag)).DisableHttpMetrics();

        if (options.Enabled)
        {
            Action<IApplicationBuilder>? branch = options.RequireKey ? pipeline => pipeline.UseMiddleware<ApiKeyMiddleware>() : null;
            app.MapPrometheusScrapingEndpoint(options.Path, meterProvider: null, configureBranchedPipeline: branch, optionsName: null)
                .DisableHttpMetrics();
        }

        return app;
    }

    /// <summary>Histogram buckets for durations in seconds: 5 ms to 5 minutes (generation runs long).</summary>
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    /// <summary>Histogram buckets for model request jobs in seconds: 1 second to 4 hours (downloads of large models).</summary>
    private static readonly double[] JobSecondsBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

    /// <summary>Histogram buckets for batch sizes.</summary>
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    /// <summary>Histogram buckets for tokens per second.</summary>
    private static readonly double[] RateBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

    /// <summary>
    /// The one view of the provider (every matching view adds a stream, so both jobs live in one function):
    /// <list type="bullet">
    /// <item>Drops instruments of meters made by another application's <see cref="IMeterFactory"/> in the same
    /// process (several servers run side by side in tests). OpenTelemetry subscribes by meter name only, so without
    /// this each server would export the others' measurements, and one server's shutdown (disposing its meters)
    /// would end the same-named metrics of every other server (open-telemetry/opentelemetry-dotnet#6412).
    /// Process-wide meters (no factory, such as <c>System.Runtime</c>) are kept.</item>
    /// <item>Gives the engine's and the hub's histograms buckets that fit their unit; OpenTelemetry's default buckets are meant
    /// for milliseconds (0 to 10000), ASP.NET Core's instruments bring their own.</item>
    /// </list>
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> EngineView(IMeterFactory factory) => instrument =>
    {
        if (instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, factory))
        {
            return MetricStreamConfiguration.Drop;
        }

        if (instrument.Meter.Name is not (EngineMetrics.MeterName or HubMetrics.MeterName) || instrument.GetType() is not { IsGenericType: true } type || type.GetGenericTypeDefinition() != typeof(Histogram<>))
        {
            return null;
        }

        var buckets = instrument.Unit switch
        {
            "s" when instrument.Meter.Name == HubMetrics.MeterName => JobSecondsBuckets,
            "s" => SecondsBuckets,
            "{item}" => BatchBuckets,
            "{token}/s" => RateBuckets,
            _ => null,
        };
        return buckets is null ? null : new ExplicitBucketHistogramConfiguration { Boundaries = buckets };
    };

    private static HealthCheckOptions HealthOptions(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = HealthResponseWriter.WriteAsync,
    };
}
