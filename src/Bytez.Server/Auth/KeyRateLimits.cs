using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;

namespace Bytez.Server.Auth;

/// <summary>
/// The per-key limits of requests, on <c>System.Threading.RateLimiting</c>, one set of limiters per key id: a
/// <see cref="ConcurrencyLimiter"/> for the requests a key has in progress (no queue unless
/// <see cref="KeyLimitsOptions.ConcurrentRequestsQueue"/> says so) and a <see cref="FixedWindowRateLimiter"/> for its
/// requests per minute. The window is fixed, one minute long, and starts at the key's first request (after a window
/// ends, at its next request), on the server's clock: a client reads exactly what is left and when it comes back
/// (<see cref="KeyBudget"/>), at the cost of allowing up to twice the limit across a window's edge. The limits in
/// force are the key's own over the configured defaults (<see cref="ApiKeyLimits.Over"/>), read on every request, so
/// a changed limit holds from the key's next request. The server's own key has none.
/// </summary>
public sealed class KeyRateLimits
{
    /// <summary>The length of the requests-per-minute window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The <c>Retry-After</c> of a request refused at the concurrency limit: when a slot frees is not known.</summary>
    public static readonly TimeSpan ConcurrencyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly KeyLimitsOptions _defaults;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, KeyLimiters> _keys = new(StringComparer.Ordinal);

    /// <summary>Creates the limits over the configured defaults; <paramref name="time"/> is the clock of the windows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A default is out of range (<see cref="KeyLimitsOptions.Validate"/>).</exception>
    public KeyRateLimits(ApiKeyOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Limits.Validate();
        _defaults = options.Limits;
        _time = time;
    }

    /// <summary>The limits in force for a key: its own over the defaults; none for the server's own key.</summary>
    public ApiKeyLimits InForce(ApiKeyIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return ReferenceEquals(identity, ApiKeyIdentity.Configured) ? ApiKeyLimits.Unlimited : identity.Limits.Over(_defaults);
    }

    /// <summary>
    /// Admits a request of the key or refuses it: first a concurrency slot (waiting in the queue, if there is one, until
    /// <paramref name="cancellationToken"/>), then a permit of the minute's window, so a request refused for concurrency
    /// costs no permit. The caller disposes the admission when the request ends, which frees the slot.
    /// </summary>
    public async ValueTask<KeyAdmission> AdmitAsync(ApiKeyIdentity identity, CancellationToken cancellationToken)
    {
        var limits = InForce(identity);
        var concurrency = limits.ConcurrentRequests ?? 0;
        var perMinute = limits.RequestsPerMinute ?? 0;
        if (concurrency == 0 && perMinute == 0)
        {
            return KeyAdmission.Unlimited;
        }

        var queue = _defaults.ConcurrentRequestsQueue;
        var limiters = _keys.AddOrUpdate(
            identity.Id,
            static (_, s) => new KeyLimiters(NewConcurrency(s.Queue, s.Concurrency), s.Concurrency, NewWindow(s.PerMinute)),
            static (_, old, s) => old.ConcurrencyLimit == s.Concurrency && (old.PerMinute?.Limit ?? 0) == s.PerMinute
                ? old
                : new KeyLimiters( // keep the limiter whose limit did not change, with its slots or window in use
                    old.ConcurrencyLimit == s.Concurrency ? old.Concurrency : NewConcurrency(s.Queue, s.Concurrency),
                    s.Concurrency,
                    (old.PerMinute?.Limit ?? 0) == s.PerMinute ? old.PerMinute : NewWindow(s.PerMinute)),
            (Queue: queue, Concurrency: concurrency, PerMinute: perMinute));

        RateLimitLease? slot = null;
        if (limiters.Concurrency is { } concurrent)
        {
            slot = queue > 0 ? await concurrent.AcquireAsync(1, cancellationToken).ConfigureAwait(false) : concurrent.AttemptAcquire(1);
            if (!slot.IsAcquired)
            {
                slot.Dispose();
                return new KeyAdmission(
                    string.Create(CultureInfo.InvariantCulture,
                        $"Rate limit exceeded: this key may run {concurrency} requests at once and all of them are in progress; retry when one finishes."),
                    ConcurrencyRetryAfter, limiters.Budget(_time.GetUtcNow()));
            }
        }

        var now = _time.GetUtcNow();
        if (limiters.PerMinute is { } window && !window.TryTake(now))
        {
            slot?.Dispose();
            var wait = window.UntilReset(now);
            return new KeyAdmission(
                string.Create(CultureInfo.InvariantCulture,
                    $"Rate limit exceeded: this key may make {window.Limit} requests per minute; try again in {KeyBudget.Seconds(wait)} s."),
                wait, limiters.Budget(now));
        }

        return new KeyAdmission(slot, limiters.Budget(now));
    }

    private static ConcurrencyLimiter? NewConcurrency(int queue, int limit) => limit == 0
        ? null
        : new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limit, QueueLimit = queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });

    private static MinuteWindow? NewWindow(int limit) => limit == 0 ? null : new MinuteWindow(limit);

    /// <summary>The limiters of one key; <see cref="ConcurrencyLimit"/> 0 when it has no concurrency limiter.</summary>
    private sealed record KeyLimiters(ConcurrencyLimiter? Concurrency, int ConcurrencyLimit, MinuteWindow? PerMinute)
    {
        public KeyBudget Budget(DateTimeOffset now) => new(
            Concurrency is null ? null : ConcurrencyLimit,
            Concurrency is null ? null : (int)Concurrency.GetStatistics()!.CurrentAvailablePermits,
            PerMinute?.Limit,
            PerMinute?.Remaining,
            PerMinute?.UntilReset(now));
    }

    /// <summary>A key's requests-per-minute window: a fixed-window limiter replenished by hand when a minute of the server's clock has passed.</summary>
    private sealed class MinuteWindow(int limit)
    {
        private readonly Lock _lock = new();
        private readonly FixedWindowRateLimiter _limiter = new(new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            QueueLimit = 0,
            // No timer: TryTake starts each window on the server's clock (TimeProvider), so its end is known exactly. The
            // limiter's own window must be positive; one tick lets each TryReplenish, a minute apart, refill it.
            Window = TimeSpan.FromTicks(1),
            AutoReplenishment = false,
        });

        private DateTimeOffset _start = DateTimeOffset.MinValue;

        public int Limit { get; } = limit;

        public int Remaining => (int)_limiter.GetStatistics()!.CurrentAvailablePermits;

        /// <summary>Takes a permit of the current window, first starting a new (full) window when the last one has ended.</summary>
        public bool TryTake(DateTimeOffset now)
        {
            lock (_lock)
            {
                if (now >= _start + Window)
                {
                    _start = now;
                    _limiter.TryReplenish();
                }

                using var lease = _limiter.AttemptAcquire(1);
                return lease.IsAcquired;
            }
        }

        /// <summary>How long until the current window ends and the budget is full again.</summary>
        public TimeSpan UntilReset(DateTimeOffset now)
        {
            lock (_lock)
            {
                var left = _start + Window - now;
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }
}
