using System.Diagnostics;

namespace Bytez.Hub.Download;

/// <summary>Counts a plan's bytes on disk and reports them at most four times a second (never going backwards).</summary>
internal sealed class ProgressTracker(IProgress<DownloadProgress>? progress, long total)
{
    private static readonly long Interval = Stopwatch.Frequency / 4;

    private long _done;
    private long _reported = -1;
    private long _lastReport;
    private bool _verifying;

    /// <summary>Receives each retry after a transient failure, or <see langword="null"/>.</summary>
    public IProgress<HubRetry>? Retries { get; init; }

    /// <summary>The file being fetched, or <see langword="null"/>.</summary>
    public string? CurrentFile { get; set; }

    /// <summary>Whether bytes already on disk are being hashed rather than fetched; a change is reported at once.</summary>
    public bool Verifying
    {
        get => _verifying;
        set
        {
            if (_verifying != value)
            {
                _verifying = value;
                if (progress is not null)
                {
                    Report(_done);
                }
            }
        }
    }

    /// <summary>Adds (or, when a file restarts, removes) bytes on disk and reports if it is time.</summary>
    public void Add(long delta)
    {
        _done += delta;
        if (progress is not null && Stopwatch.GetTimestamp() - _lastReport >= Interval)
        {
            Report(_done);
        }
    }

    /// <summary>Reports that every byte is on disk.</summary>
    public void Complete()
    {
        CurrentFile = null;
        _verifying = false;
        if (progress is not null)
        {
            Report(total);
        }
    }

    private void Report(long done)
    {
        var value = Math.Clamp(done, Math.Max(_reported, 0), total);
        _reported = value;
        _lastReport = Stopwatch.GetTimestamp();
        progress!.Report(new DownloadProgress(value, total, CurrentFile, _verifying));
    }
}
