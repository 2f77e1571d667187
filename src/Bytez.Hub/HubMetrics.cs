using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bytez.Hub;

/// <summary>
/// The model request instruments, on the meter <see cref="MeterName"/> (exported by the server through
/// OpenTelemetry): jobs ended by outcome, their duration, and bytes fetched from the hub. Anyone may request any id,
/// so only models in the catalog get their own <c>model</c> label; the rest are counted under <see cref="OtherModel"/>.
/// </summary>
public sealed class HubMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Bytez.Hub";

    /// <summary>The <c>model</c> label of every id the catalog does not hold.</summary>
    public const string OtherModel = "other";

    private readonly Meter _meter;
    private readonly Func<string, bool> _isCatalogModel;
    private readonly Counter<long> _jobs;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _downloaded;

    /// <summary>
    /// Creates the instruments on a new meter (from <paramref name="meterFactory"/> when given);
    /// <paramref name="isCatalogModel"/> says which ids get their own label (none, when <see langword="null"/>).
    /// </summary>
    public HubMetrics(IMeterFactory? meterFactory = null, Func<string, bool>? isCatalogModel = null)
    {
        _isCatalogModel = isCatalogModel ?? (static _ => false);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _jobs = _meter.CreateCounter<long>("bytez.model_requests", "{job}", "Model request jobs ended, by outcome (ready, failed, cancelled).");
        _jobDuration = _meter.CreateHistogram<double>("bytez.model_request.duration", "s", "Time from a job's start to its end (download, verification, measurement).");
        _downloaded = _meter.CreateCounter<long>("bytez.hub.downloaded", "By", "Bytes fetched from the hub (resumed bytes already on disk are not fetched again).");
    }

    /// <summary>The meter, for observable instruments registered by other components.</summary>
    public Meter Meter => _meter;

    /// <summary>Records a job that ended.</summary>
    public void JobEnded(string modelId, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "model", ModelLabel(modelId) }, { "outcome", outcome } };
        _jobs.Add(1, tags);
        _jobDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records bytes received from the hub for a model.</summary>
    public void Downloaded(string modelId, long bytes) => _downloaded.Add(bytes, new KeyValuePair<string, object?>("model", ModelLabel(modelId)));

    /// <summary>The <c>model</c> label of an id: the id for a catalog model, <see cref="OtherModel"/> for any other.</summary>
    public string ModelLabel(string modelId) => modelId is { Length: > 0 } && _isCatalogModel(modelId) ? modelId : OtherModel;

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
