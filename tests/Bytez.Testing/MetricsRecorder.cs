using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Bytez.Testing;

/// <summary>Listens to every instrument of one meter and keeps, per instrument name, the sum and count of its measurements.</summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, (double Sum, long Count)> _totals = new(StringComparer.Ordinal);

    /// <summary>Starts listening to <paramref name="meter"/>'s instruments (only that meter object's, so parallel tests do not mix).</summary>
    public MetricsRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Add(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>The sum of the instrument's measurements so far (0 when none).</summary>
    public double Sum(string instrument) => _totals.TryGetValue(instrument, out var t) ? t.Sum : 0;

    /// <summary>How many measurements the instrument has recorded.</summary>
    public long Count(string instrument) => _totals.TryGetValue(instrument, out var t) ? t.Count : 0;

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Add(string name, double value) => _totals.AddOrUpdate(name, (value, 1), (_, t) => (t.Sum + value, t.Count + 1));
}
