using System.Threading.Channels;

namespace Bytez.Tests;

/// <summary>
/// A clock that moves only when the test calls <see cref="Advance"/>; timers due by then fire in due order.
/// Every timer created is announced on <see cref="Created"/> with its due time, so a test knows when the code waits.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _sequence;

    public ManualTimeProvider() => Start = _now;

    public DateTimeOffset Start { get; }

    public Channel<TimeSpan> Created { get; } = Channel.CreateUnbounded<TimeSpan>();

    public TimeSpan Elapsed => GetUtcNow() - Start;

    /// <summary>Awaits <paramref name="task"/>, advancing the clock by each poll interval the code waits for.</summary>
    public async Task<T> DriveAsync<T>(Task<T> task, TimeSpan interval)
    {
        while (true)
        {
            var timer = Created.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask();
            if (await Task.WhenAny(task, timer) == task)
            {
                return await task;
            }

            var due = await timer;
            if (due == interval)
            {
                Advance(due);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        Created.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Moves the clock forward, firing each timer due on the way (outside the lock, at its due time).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.Due <= target).OrderBy(t => t.Due).ThenBy(t => t.Sequence).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due;
                if (next.Period == Timeout.InfiniteTimeSpan || next.Period == TimeSpan.Zero)
                {
                    _timers.Remove(next);
                }
                else
                {
                    next.Due += next.Period;
                }
            }

            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; set; }

        public TimeSpan Period { get; private set; }

        public long Sequence { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                Due = clock._now + dueTime;
                Period = period;
                Sequence = ++clock._sequence;
                clock._timers.Add(this);
                return true;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._lock)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
