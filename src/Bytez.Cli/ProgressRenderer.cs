using System.Text;
using Bytez.Protocol;

namespace Bytez.Cli;

/// <summary>
/// Shows the progress of a model request job. On a terminal (<c>interactive</c>) it redraws one line with
/// <c>\r</c>: state, a bar, percent, bytes done and total, download rate and the file being downloaded. Otherwise
/// (output redirected to a file or a pipe) it writes one plain line per state change and per 10 % of the bytes.
/// </summary>
public sealed class ProgressRenderer : IProgress<ModelRequestStatus>
{
    /// <summary>The number of cells of the bar.</summary>
    public const int BarWidth = 30;

    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly TimeProvider _time;
    private readonly int _maxWidth;

    private string? _state;
    private int _lastDecile = -1;
    private int _lineLength;
    private bool _lineOpen;
    private long? _rateStartTimestamp;
    private long _rateStartBytes;

    /// <summary>Creates a renderer.</summary>
    /// <param name="writer">Where to draw, usually standard error.</param>
    /// <param name="interactive">Whether <paramref name="writer"/> is a terminal, so one line can be redrawn.</param>
    /// <param name="timeProvider">The clock of the download rate; <see langword="null"/> for the system clock.</param>
    /// <param name="maxWidth">The terminal's width, to keep the redrawn line from wrapping; 0 for no limit.</param>
    public ProgressRenderer(TextWriter writer, bool interactive, TimeProvider? timeProvider = null, int maxWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _interactive = interactive;
        _time = timeProvider ?? TimeProvider.System;
        _maxWidth = maxWidth;
    }

    /// <summary>The last status shown, or <see langword="null"/> before the first.</summary>
    public ModelRequestStatus? Last { get; private set; }

    /// <summary>Shows a status read from the server.</summary>
    /// <param name="value">The job's status.</param>
    public void Report(ModelRequestStatus value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Last = value;
        var stateChanged = value.State != _state;
        _state = value.State;
        var rate = TrackRate(value, stateChanged);
        if (_interactive)
        {
            Redraw(Line(value, rate));
            if (ModelRequestStates.IsFinal(value.State))
            {
                Complete();
            }
        }
        else
        {
            WritePlain(value, stateChanged);
        }

        _writer.Flush();
    }

    /// <summary>Ends the redrawn line, so what follows starts on a line of its own. Safe to call more than once.</summary>
    public void Complete()
    {
        if (_lineOpen)
        {
            _writer.WriteLine();
            _writer.Flush();
            _lineOpen = false;
            _lineLength = 0;
        }
    }

    /// <summary>The one-line view of a status on a terminal.</summary>
    internal static string Line(ModelRequestStatus status, double? bytesPerSecond)
    {
        var line = new StringBuilder(status.State.PadRight(12));
        if (status.BytesTotal > 0)
        {
            var percent = Format.Percent(status.BytesDone, status.BytesTotal);
            var filled = (int)Math.Floor(percent / 100 * BarWidth);
            line.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ")
                .Append(Format.Invariant($"{percent,5:0.0} %  "))
                .Append(Format.Bytes(status.BytesDone)).Append(" / ").Append(Format.Bytes(status.BytesTotal));
            if (status.State == ModelRequestStates.Downloading)
            {
                if (bytesPerSecond is { } rate)
                {
                    line.Append("  ").Append(Format.Bytes((long)rate)).Append("/s");
                }

                if (CurrentFile(status) is { } file)
                {
                    line.Append("  ").Append(file);
                }
            }
        }
        else if (status.State == ModelRequestStates.Queued)
        {
            line.Append("waiting for a download slot");
        }
        else if (status.State is ModelRequestStates.Resolving or ModelRequestStates.Downloading)
        {
            line.Append("reading the repository");
        }

        if (status.Retries > 0 && status.NextAttemptAt is not null && !ModelRequestStates.IsFinal(status.State))
        {
            line.Append(Format.Invariant($"  (retry {status.Retries}: {status.RetryReason})"));
        }

        return line.ToString().TrimEnd();
    }

    /// <summary>The file being downloaded, assuming the files arrive one after the other in the listed order.</summary>
    internal static string? CurrentFile(ModelRequestStatus status)
    {
        long end = 0;
        foreach (var file in status.Files)
        {
            end += file.Size;
            if (status.BytesDone < end)
            {
                return file.Path;
            }
        }

        return null;
    }

    private double? TrackRate(ModelRequestStatus status, bool stateChanged)
    {
        if (status.State != ModelRequestStates.Downloading || status.BytesTotal <= 0)
        {
            _rateStartTimestamp = null;
            return null;
        }

        var now = _time.GetTimestamp();
        if (stateChanged || _rateStartTimestamp is null)
        {
            _rateStartTimestamp = now;
            _rateStartBytes = status.BytesDone;
            return null;
        }

        var seconds = _time.GetElapsedTime(_rateStartTimestamp.Value, now).TotalSeconds;
        var bytes = status.BytesDone - _rateStartBytes;
        return seconds >= 0.5 && bytes > 0 ? bytes / seconds : null;
    }

    private void Redraw(string line)
    {
        if (_maxWidth > 1 && line.Length > _maxWidth - 1)
        {
            line = line[..(_maxWidth - 1)];
        }

        var padding = Math.Max(0, _lineLength - line.Length);
        _writer.Write('\r');
        _writer.Write(line);
        _writer.Write(new string(' ', padding));
        _lineLength = line.Length;
        _lineOpen = true;
    }

    private void WritePlain(ModelRequestStatus status, bool stateChanged)
    {
        var downloading = status.State == ModelRequestStates.Downloading;
        if (stateChanged)
        {
            _lastDecile = -1;
            if (!downloading || status.BytesTotal <= 0)
            {
                _writer.WriteLine(status.State);
            }
        }

        if (!downloading || status.BytesTotal <= 0)
        {
            return;
        }

        var decile = (int)Math.Floor(Format.Percent(status.BytesDone, status.BytesTotal) / 10);
        if (_lastDecile < 0)
        {
            var files = status.Files.Count == 1 ? "1 file" : Format.Invariant($"{status.Files.Count} files");
            _writer.WriteLine(Format.Invariant($"downloading: {files}, {Format.Bytes(status.BytesTotal)}"));
            _lastDecile = decile;
        }
        else if (decile > _lastDecile)
        {
            _writer.WriteLine(Format.Invariant(
                $"downloading: {decile * 10} % ({Format.Bytes(status.BytesDone)} / {Format.Bytes(status.BytesTotal)})"));
            _lastDecile = decile;
        }
    }
}
