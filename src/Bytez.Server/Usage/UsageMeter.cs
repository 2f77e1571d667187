using System.Collections.Concurrent;
using System.Threading.Channels;
using Bytez.Engine.Metering;
using Bytez.Server.Auth;
using Bytez.Server.Observability;

namespace Bytez.Server.Usage;

/// <summary>
/// Takes the usage reports of requests (<see cref="Record"/>, called on the request path: it never waits on disk) and
/// writes them to the <see cref="IUsageStore"/> in batches: a channel drained every
/// <see cref="UsageOptions.FlushInterval"/>, aggregated per key × model × UTC day, written in one transaction. What is not
/// written yet counts in <see cref="GeneratedTokensTodayAsync"/>; it is written before every usage read
/// (<see cref="FlushAsync"/>), when the host stops and when the meter is disposed, so totals survive restarts. A write
/// that fails is kept and tried again at the next flush.
/// </summary>
public sealed partial class UsageMeter : BackgroundService, IAsyncDisposable
{
    private readonly IUsageStore _store;
    private readonly UsageOptions _options;
    private readonly UsageMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageMeter> _logger;
    private readonly Channel<Entry> _entries = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<(string KeyId, DateOnly Day), long> _unwrittenGenerated = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Dictionary<(string KeyId, string ModelId, DateOnly Day), UsageRow> _unwritten = [];

    /// <summary>Creates the meter over a store.</summary>
    public UsageMeter(IUsageStore store, UsageOptions options, UsageMetrics metrics, TimeProvider time, ILogger<UsageMeter> logger)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The current UTC day.</summary>
    public DateOnly Today => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    /// <summary>Records one report of usage by <paramref name="key"/>: counted in the Prometheus counters at once, stored at the next flush.</summary>
    public void Record(ApiKeyIdentity key, ModelUsage usage)
    {
        ArgumentNullException.ThrowIfNull(key);
        var day = Today;
        if (usage.GeneratedTokens > 0)
        {
            _unwrittenGenerated.AddOrUpdate((key.Id, day), usage.GeneratedTokens, (_, total) => total + usage.GeneratedTokens);
        }

        _metrics.Record(key.Name, usage);
        _entries.Writer.TryWrite(new Entry(key.Id, key.Name, day, usage));
    }

    /// <summary>The tokens the key generated this UTC day: stored, plus recorded and not yet written.</summary>
    public async Task<long> GeneratedTokensTodayAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        var day = Today;
        // Unwritten first: a flush between the two reads then counts some tokens twice, never none.
        var unwritten = _unwrittenGenerated.GetValueOrDefault((keyId, day));
        return unwritten + await _store.GeneratedTokensAsync(keyId, day, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes everything recorded so far to the store (one transaction).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var generated = new Dictionary<(string, DateOnly), long>();
            while (_entries.Reader.TryRead(out var entry))
            {
                var slot = (entry.KeyId, entry.Usage.ModelId, entry.Day);
                var usage = entry.Usage;
                _unwritten[slot] = _unwritten.TryGetValue(slot, out var row)
                    ? row with
                    {
                        KeyName = entry.KeyName,
                        Requests = row.Requests + usage.Requests,
                        InferenceSeconds = row.InferenceSeconds + usage.InferenceTime.TotalSeconds,
                        InputTokens = row.InputTokens + usage.InputTokens,
                        GeneratedTokens = row.GeneratedTokens + usage.GeneratedTokens,
                        DownloadRequests = row.DownloadRequests + usage.DownloadRequests,
                    }
                    : new UsageRow(
                        entry.KeyId, entry.KeyName, usage.ModelId, entry.Day, usage.Requests, usage.InferenceTime.TotalSeconds,
                        usage.InputTokens, usage.GeneratedTokens, usage.DownloadRequests);
            }

            if (_unwritten.Count == 0)
            {
                return;
            }

            foreach (var row in _unwritten.Values)
            {
                generated[(row.KeyId, row.Day)] = generated.GetValueOrDefault((row.KeyId, row.Day)) + row.GeneratedTokens;
            }

            await _store.AddAsync(_unwritten.Values.ToList(), cancellationToken).ConfigureAwait(false);
            _unwritten.Clear();
            foreach (var (slot, tokens) in generated)
            {
                var left = _unwrittenGenerated.AddOrUpdate(slot, 0, (_, total) => total - tokens);
                if (left <= 0)
                {
                    _unwrittenGenerated.TryRemove(new KeyValuePair<(string, DateOnly), long>(slot, left));
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.FlushInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryFlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the last flush follows
        }

        await TryFlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Writes what is left (requests that finished after the host stopped the meter).</summary>
    public override void Dispose()
    {
        DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Writes what is left (requests that finished after the host stopped the meter).</summary>
    public async ValueTask DisposeAsync()
    {
        await TryFlushAsync(CancellationToken.None).ConfigureAwait(false);
        base.Dispose();
    }

    private async Task TryFlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            LogFlushFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write metered usage; it is kept in memory and written at the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception error);

    private readonly record struct Entry(string KeyId, string KeyName, DateOnly Day, ModelUsage Usage);
}
