namespace Bytez.Engine.Scheduling;

/// <summary>
/// Settings of the instance scheduler: the memory budget for models, how many requests an instance serves at once,
/// how many may wait, and the defaults of clusters created by a run.
/// </summary>
public sealed class SchedulerOptions
{
    /// <summary>The memory all loaded instances may take, in bytes; <see langword="null"/> means <see cref="MemoryBudgetFraction"/> of the machine's memory.</summary>
    public long? MemoryBudgetBytes { get; set; }

    /// <summary>The share of the machine's memory (or the container's limit) given to models when <see cref="MemoryBudgetBytes"/> is unset. Default 0.7.</summary>
    public double MemoryBudgetFraction { get; set; } = 0.7;

    /// <summary>Requests one instance serves at the same time (its sessions and batching share them out). Default 16.</summary>
    public int ConcurrencyPerInstance { get; set; } = 16;

    /// <summary>Requests that may wait per model when every instance is busy; more get 429. Default 256.</summary>
    public int QueueLimit { get; set; } = 256;

    /// <summary>The idle timeout, in minutes, of clusters created by a run. Default 10 (the hosted service's documented default).</summary>
    public int DefaultTimeoutMinutes { get; set; } = 10;

    /// <summary>The most instances one model may have (the hosted service's maximum is 10).</summary>
    public int MaxInstancesPerModel { get; set; } = 10;

    /// <summary>How often idle instances are looked for. Default 15 seconds.</summary>
    public TimeSpan IdleSweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>What a 429 tells the client to wait before retrying. Default 1 second.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether unloading instances is followed by a full compacting collection and a trim of the C heap, so that their
    /// memory leaves the process at once instead of at the next burst of traffic. Default true.
    /// </summary>
    public bool ReclaimMemoryAfterUnload { get; set; } = true;

    /// <summary>The budget in effect on a machine with <paramref name="totalMemoryBytes"/> of memory.</summary>
    public long EffectiveBudget(long totalMemoryBytes) => MemoryBudgetBytes ?? (long)(totalMemoryBytes * MemoryBudgetFraction);

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (MemoryBudgetBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "MemoryBudgetBytes must be positive.");
        }

        if (MemoryBudgetFraction is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetFraction), MemoryBudgetFraction, "MemoryBudgetFraction must be in (0, 1].");
        }

        if (ConcurrencyPerInstance < 1 || QueueLimit < 0 || MaxInstancesPerModel < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ConcurrencyPerInstance), "ConcurrencyPerInstance and MaxInstancesPerModel must be at least 1, QueueLimit at least 0.");
        }

        if (DefaultTimeoutMinutes is < 1 or > 1440)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTimeoutMinutes), DefaultTimeoutMinutes, "DefaultTimeoutMinutes must be from 1 to 1440.");
        }
    }
}
