using System.Collections.Concurrent;
using System.Diagnostics;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bytez.Engine;

/// <summary>
/// The entry point of the engine: finds the model in the catalog, loads an instance of it on first use through a
/// runtime that can, and runs the request through the pipeline of the model's task.
/// </summary>
public sealed partial class InferenceEngine : IDisposable
{
    /// <summary>The message for a model id that is not in the catalog (the hosted service's wording).</summary>
    public const string UnknownModelMessage = "Model does not exist or has yet to be added to the Bytez catalog";

    private readonly IReadOnlyList<IModelRuntime> _runtimes;
    private readonly Dictionary<string, ITaskPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<IModelInstance>>> _instances = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Creates the engine over a catalog, the available runtimes and task pipelines.</summary>
    public InferenceEngine(
        ModelCatalog catalog,
        IEnumerable<IModelRuntime> runtimes,
        IEnumerable<ITaskPipeline> pipelines,
        ModelMemoryRecords memory,
        ILogger<InferenceEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        ArgumentNullException.ThrowIfNull(pipelines);
        Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        Memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _runtimes = runtimes.ToList();
        foreach (var pipeline in pipelines)
        {
            foreach (var task in pipeline.Tasks)
            {
                _pipelines[task] = pipeline;
            }
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The models this engine can serve.</summary>
    public ModelCatalog Catalog { get; }

    /// <summary>Resident memory measured per model at load.</summary>
    public ModelMemoryRecords Memory { get; }

    /// <summary>The tasks some pipeline serves, sorted.</summary>
    public IReadOnlyList<string> SupportedTasks => _pipelines.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The bytes an instance of the model takes: measured if an instance was loaded on this server, else estimated.
    /// </summary>
    public (long Bytes, bool Measured) RamRequired(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Memory.Get(model.Id) is { } measured ? (measured, true) : (model.EstimatedRamBytes, false);
    }

    /// <summary>Runs a request on a model, loading an instance first if none is loaded.</summary>
    /// <exception cref="EngineException">The model is unknown, its task is not served, or the input is bad.</exception>
    public async ValueTask<TaskOutput> RunAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId);
        var instance = await GetInstanceAsync(model, cancellationToken).ConfigureAwait(false);
        return await pipeline.RunAsync(instance, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a streamed run: checks the request (throwing for bad input before anything is sent) and returns the
    /// output's text pieces as they are produced.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown, its task cannot stream, or the input is bad.</exception>
    public async ValueTask<IAsyncEnumerable<string>> StartStreamAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId);
        if (pipeline is not IStreamingTaskPipeline streaming)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', whose output cannot be streamed; send \"stream\": false. Streaming is for: {string.Join(", ", StreamingTasks)}.");
        }

        var instance = await GetInstanceAsync(model, cancellationToken).ConfigureAwait(false);
        return await streaming.StartStreamAsync(instance, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tasks whose output this server can stream, sorted.</summary>
    public IReadOnlyList<string> StreamingTasks =>
        _pipelines.Where(p => p.Value is IStreamingTaskPipeline).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

    private (ModelDescriptor Model, ITaskPipeline Pipeline) Resolve(string modelId)
    {
        var model = Catalog.Find(modelId) ?? throw EngineException.NotFound($"{UnknownModelMessage}: {modelId}");
        if (!_pipelines.TryGetValue(model.Task, out var pipeline))
        {
            throw EngineException.NotSupported(
                $"Model {model.Id} has task '{model.Task}', which this server cannot run yet; it runs: {string.Join(", ", SupportedTasks)}.");
        }

        return (model, pipeline);
    }

    /// <summary>The loaded instance of the model, loading it now if needed. Concurrent callers share one load.</summary>
    public async ValueTask<IModelInstance> GetInstanceAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            var lazy = _instances.GetOrAdd(model.Id, _ => new Lazy<Task<IModelInstance>>(() => LoadAsync(model)));
            try
            {
                return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (lazy.Value.IsFaulted)
            {
                // A failed load is not cached: the next request tries again.
                _instances.TryRemove(new KeyValuePair<string, Lazy<Task<IModelInstance>>>(model.Id, lazy));
                throw lazy.Value.Exception!.InnerException is EngineException inner
                    ? inner
                    : new EngineException(EngineErrorKind.Internal, $"Loading {model.Id} failed: {lazy.Value.Exception.InnerException?.Message}", lazy.Value.Exception.InnerException);
            }
        }
    }

    private async Task<IModelInstance> LoadAsync(ModelDescriptor model)
    {
        var runtime = _runtimes.FirstOrDefault(r => r.CanLoad(model))
            ?? throw EngineException.NotSupported($"No runtime on this server can load {model.Id} (task '{model.Task}').");

        // Loads are serialized so that the resident-memory difference measured around one load belongs to it alone.
        await _loadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var before = ResidentBytes();
            var stopwatch = Stopwatch.StartNew();
            var instance = await runtime.LoadAsync(model, CancellationToken.None).ConfigureAwait(false);
            var used = Math.Max(0, ResidentBytes() - before);
            Memory.Set(model.Id, used);
            LogLoaded(model.Id, runtime.Name, stopwatch.Elapsed.TotalMilliseconds, used / (1024.0 * 1024.0));
            return instance;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    private static long ResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    /// <summary>Unloads every instance.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lazy in _instances.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _instances.Clear();
        _loadGate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {ModelId} with {Runtime} in {Milliseconds:F0} ms, {MiB:F1} MiB resident")]
    private partial void LogLoaded(string modelId, string runtime, double milliseconds, double miB);
}
