using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bytez.Hub;

/// <summary>
/// The model request instruments, on the meter <see cref="MeterName"/> (exported by the server through
/// OpenTelemetry): jobs ended by outcome, their duration, and bytes fetched from the hub.
/// </summary>
public sealed class HubMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Bytez.Hub";

    private readonly Meter _meter;
    private readonly Counter<long> _jobs;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _downloaded;

    /// <summary>Creates the instruments on a new meter (from <paramref name="meterFactory"/> when given).</summary>
    public HubMetrics(IMeterFactory? meterFactory = null)
    {
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
        var tags = new TagList { { "model", modelId }, { "outcome", outcome } };
        _jobs.Add(1, tags);
        _jobDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records bytes received from the hub for a model.</summary>
    public void Downloaded(string modelId, long bytes) => _downloaded.Add(bytes, new KeyValuePair<string, object?>("model", modelId));

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
