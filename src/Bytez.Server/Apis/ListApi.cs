using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Providers;
using Bytez.Server.Usage;

namespace Bytez.Server.Apis;

/// <summary><c>GET list/models</c>, <c>GET list/tasks</c> and our extension <c>GET list/failed</c>.</summary>
public static class ListApi
{
    /// <summary>Maps the list routes onto the API group.</summary>
    public static RouteGroupBuilder MapListApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/list/models", ListModelsAsync);
        api.MapGet("/list/tasks", ListTasksAsync);
        api.MapGet("/list/failed", ListFailedAsync);
        return api;
    }

    /// <summary>The model folders that could not be described: <c>[{modelId, path, error}]</c>, ordered by id.</summary>
    private static Task ListFailedAsync(HttpContext context, InferenceEngine engine)
    {
        var failures = engine.Catalog.Failures();
        return Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var failure in failures)
            {
                w.WriteStartObject();
                w.WriteString("modelId", failure.ModelId);
                w.WriteString("path", failure.Path);
                w.WriteString("error", failure.Error);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static Task ListModelsAsync(HttpContext context, InferenceEngine engine, ProviderProxy providers, MeteringOptions metering)
    {
        var (task, modelId) = Filters(context.Request.Query["task"], context.Request.Query["modelId"]);
        var models = engine.Catalog.List(string.IsNullOrEmpty(task) ? null : task)
            .Where(m => string.IsNullOrEmpty(modelId) || string.Equals(m.Id, modelId, StringComparison.OrdinalIgnoreCase))
            .Select(m => ToModelInfo(engine, m, metering))
            .ToList();
        // Closed-source models of the providers the server has a key of, after the catalog (whose ids win).
        models.AddRange(providers.ListedModels()
            .Where(m => string.IsNullOrEmpty(task) || string.Equals(m.Task, task, StringComparison.OrdinalIgnoreCase))
            .Where(m => string.IsNullOrEmpty(modelId) || string.Equals(m.ModelId, modelId, StringComparison.OrdinalIgnoreCase))
            .Where(m => engine.Catalog.Find(m.ModelId) is null));
        return Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, models, ProtocolJsonContext.Default.ListModelInfo));
    }

    private static Task ListTasksAsync(HttpContext context, InferenceEngine engine) =>
        Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, engine.SupportedTasks.ToList(), ProtocolJsonContext.Default.ListString));

    /// <summary>
    /// The task and model id filters. bytez.js 3.0.0 joins both with a second <c>?</c>
    /// (<c>?task=a?modelId=b</c>); that form is read as meant.
    /// </summary>
    public static (string? Task, string? ModelId) Filters(string? task, string? modelId)
    {
        const string joined = "?modelId=";
        if (task is not null && task.IndexOf(joined, StringComparison.Ordinal) is var at and >= 0)
        {
            modelId ??= task[(at + joined.Length)..];
            task = task[..at];
        }

        return (task, modelId);
    }

    /// <summary>
    /// The listing entry of a model: its size from the real weights, its memory (measured once loaded), and its meter and
    /// price per second from <paramref name="metering"/> (the hosted size classes at price 0 when <see langword="null"/>).
    /// </summary>
    public static ModelInfo ToModelInfo(InferenceEngine engine, ModelDescriptor model, MeteringOptions? metering = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(model);
        var ramGb = ModelInfo.ThreeSignificantFigures(engine.RamRequired(model).Bytes / 1e9);
        var parameters = ModelInfo.ThreeSignificantFigures(model.ParameterCount / 1e9);
        var (meter, _, price) = (metering ?? NoTiers).For(ramGb, parameters, model.Task);
        return new ModelInfo
        {
            ModelId = model.Id,
            Task = model.Task,
            Params = parameters,
            RamRequired = ramGb,
            Meter = meter,
            MeterPrice = price,
        };
    }

    private static readonly MeteringOptions NoTiers = new();
}
