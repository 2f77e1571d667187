using System.Diagnostics;
using System.Diagnostics.Metrics;
using Bytez.Engine.Metering;

namespace Bytez.Engine.Metrics;

/// <summary>
/// The engine's instruments, on the meter <see cref="MeterName"/> (System.Diagnostics.Metrics; exported by the
/// server through OpenTelemetry). Every measurement carries the model id, and the task where it has one. Only
/// catalog models get their own <c>model</c> label; any other id is counted under <see cref="OtherModel"/>, so ids sent
/// by clients cannot grow the label sets without bound. Token counts also go to the caller's
/// <see cref="UsageScope"/>, so usage metering counts tokens where these instruments do.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Bytez.Engine";

    /// <summary>The <c>model</c> label of every id the catalog does not hold.</summary>
    public const string OtherModel = "other";

    private readonly Meter _meter;
    private readonly Func<string, bool> _isCatalogModel;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<long> _batchSize;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _promptTokens;
    private readonly UpDownCounter<long> _activeSequences;
    private readonly Counter<long> _cancelledSequences;
    private readonly Histogram<double> _tokenRate;
    private readonly Counter<long> _loads;
    private readonly Counter<long> _evictions;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _prefixCacheHits;
    private readonly Counter<long> _prefixCacheReusedTokens;

    /// <summary>
    /// Creates the instruments on a new meter (from <paramref name="meterFactory"/> when given, so hosts and tests can
    /// collect them). <paramref name="isCatalogModel"/> says which ids get their own label (all, when <see langword="null"/>).
    /// </summary>
    public EngineMetrics(IMeterFactory? meterFactory = null, Func<string, bool>? isCatalogModel = null)
    {
        _isCatalogModel = isCatalogModel ?? (static _ => true);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("bytez.requests", "{request}", "Requests run, by model, task and outcome (ok, bad_input, not_found, refused, error, cancelled).");
        _requestDuration = _meter.CreateHistogram<double>("bytez.request.duration", "s", "Time to serve a request, queueing included.");
        _queueTime = _meter.CreateHistogram<double>("bytez.queue.time", "s", "Time a request waited for an instance.");
        _batchSize = _meter.CreateHistogram<long>("bytez.batch.size", "{item}", "Items per batched model run (dynamic and continuous batching).");
        _tokens = _meter.CreateCounter<long>("bytez.tokens.generated", "{token}", "Tokens generated.");
        _promptTokens = _meter.CreateCounter<long>("bytez.tokens.prompt", "{token}", "Prompt tokens fed to generated sequences.");
        _activeSequences = _meter.CreateUpDownCounter<long>("bytez.sequences.active", "{sequence}", "Sequences being generated now.");
        _cancelledSequences = _meter.CreateCounter<long>("bytez.sequences.cancelled", "{sequence}", "Sequences stopped by cancellation (a client that went away, a deadline).");
        _tokenRate = _meter.CreateHistogram<double>("bytez.tokens.rate", "{token}/s", "Tokens per second of each generated sequence.");
        _loads = _meter.CreateCounter<long>("bytez.instance.loads", "{instance}", "Instances loaded.");
        _evictions = _meter.CreateCounter<long>("bytez.instance.evictions", "{instance}", "Instances unloaded, by reason (memory, idle, shutdown).");
        _refusals = _meter.CreateCounter<long>("bytez.refusals", "{request}", "Requests refused, by reason (queue_full, memory).");
        _prefixCacheHits = _meter.CreateCounter<long>("bytez.prefix_cache.hits", "{prompt}", "Prompts that started from a cached key/value prefix, by model and runtime.");
        _prefixCacheReusedTokens = _meter.CreateCounter<long>("bytez.prefix_cache.reused_tokens", "{token}", "Prompt tokens not fed because their key/value cache was kept, by model and runtime.");
    }

    /// <summary>The meter, for observable instruments registered by other components.</summary>
    public Meter Meter => _meter;

    /// <summary>Records a finished request.</summary>
    public void RequestCompleted(string modelId, string task, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "model", ModelLabel(modelId) }, { "task", task }, { "outcome", outcome } };
        _requests.Add(1, tags);
        _requestDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records how long a request waited in its model's queue.</summary>
    public void Queued(string modelId, TimeSpan waited) => _queueTime.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));

    /// <summary>Records the size of one batched model run.</summary>
    public void Batch(string modelId, int size) => _batchSize.Record(size, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));

    /// <summary>Records a finished generated sequence: its tokens and their rate (and the tokens in the caller's usage).</summary>
    public void Generated(string modelId, int tokens, TimeSpan elapsed)
    {
        UsageScope.Report(new ModelUsage(modelId, GeneratedTokens: tokens));
        _tokens.Add(tokens, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));
        if (elapsed > TimeSpan.Zero && tokens > 0)
        {
            _tokenRate.Record(tokens / elapsed.TotalSeconds, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));
        }
    }

    /// <summary>Records the start of a generated sequence and its prompt tokens (also as input tokens of the caller's usage).</summary>
    public void SequenceStarted(string modelId, int promptTokens)
    {
        UsageScope.Report(new ModelUsage(modelId, InputTokens: promptTokens));
        var model = new KeyValuePair<string, object?>("model", ModelLabel(modelId));
        _activeSequences.Add(1, model);
        _promptTokens.Add(promptTokens, model);
    }

    /// <summary>Records the end of a sequence started with <see cref="SequenceStarted"/>: its tokens, their rate, and whether it was cancelled.</summary>
    public void SequenceEnded(string modelId, int generatedTokens, TimeSpan elapsed, bool cancelled)
    {
        var model = new KeyValuePair<string, object?>("model", ModelLabel(modelId));
        _activeSequences.Add(-1, model);
        if (cancelled)
        {
            _cancelledSequences.Add(1, model);
        }

        Generated(modelId, generatedTokens, elapsed);
    }

    /// <summary>Records an instance load.</summary>
    public void Loaded(string modelId) => _loads.Add(1, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));

    /// <summary>Records an instance unload and why.</summary>
    public void Evicted(string modelId, string reason) =>
        _evictions.Add(1, new TagList { { "model", ModelLabel(modelId) }, { "reason", reason } });

    /// <summary>Records a refused request and why.</summary>
    public void Refused(string modelId, string reason) =>
        _refusals.Add(1, new TagList { { "model", ModelLabel(modelId) }, { "reason", reason } });

    /// <summary>Records a prompt that started from <paramref name="reusedTokens"/> cached tokens on <paramref name="runtime"/> (onnx, llama.cpp).</summary>
    public void PrefixReused(string modelId, int reusedTokens, string runtime)
    {
        var tags = new TagList { { "model", ModelLabel(modelId) }, { "runtime", runtime } };
        _prefixCacheHits.Add(1, tags);
        _prefixCacheReusedTokens.Add(reusedTokens, tags);
    }

    /// <summary>The <c>model</c> label of an id: the id for a catalog model, <see cref="OtherModel"/> for any other.</summary>
    public string ModelLabel(string modelId) => modelId is { Length: > 0 } && _isCatalogModel(modelId) ? modelId : OtherModel;

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
