using System.Diagnostics.Metrics;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// Listens to the engine's <c>bytez.batch.size</c> histogram in this process and keeps, per benchmark row, how many
/// batches ran and how many texts they held, so that the report can say what batches each row's load produced.
/// </summary>
internal sealed class BatchSizeListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, (long Batches, long Items)> _rows = [];
    private long _batches;
    private long _items;

    public BatchSizeListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Bytez.Engine.Metrics.EngineMetrics.MeterName && instrument.Name == "bytez.batch.size")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _items, value);
        });
        _listener.Start();
    }

    /// <summary>Wraps a row's pass so that the batches it caused are counted under <paramref name="row"/>.</summary>
    public Func<Task> Counting(string row, Func<Task> pass) => async () =>
    {
        var (b0, i0) = (Interlocked.Read(ref _batches), Interlocked.Read(ref _items));
        await pass().ConfigureAwait(false);
        var (b1, i1) = (Interlocked.Read(ref _batches), Interlocked.Read(ref _items));
        lock (_rows)
        {
            var (b, i) = _rows.GetValueOrDefault(row);
            _rows[row] = (b + b1 - b0, i + i1 - i0);
        }
    };

    /// <summary>"N batches, mean M texts" for a row, warm-up included.</summary>
    public string Describe(string row)
    {
        lock (_rows)
        {
            var (b, i) = _rows.GetValueOrDefault(row);
            return b == 0 ? "no batches recorded" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{b:N0} batches, mean {(double)i / b:F2} texts");
        }
    }

    public void Dispose() => _listener.Dispose();
}
