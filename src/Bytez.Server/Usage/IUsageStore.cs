namespace Bytez.Server.Usage;

/// <summary>
/// Where metered usage is kept, aggregated per key × model × UTC day so it stays small. SQLite today
/// (<see cref="SqliteUsageStore"/>); the interface lets a shared database replace it for a cluster of servers.
/// </summary>
public interface IUsageStore
{
    /// <summary>
    /// Adds the counts of <paramref name="rows"/> to the stored rows of the same key, model and day (creating them),
    /// all in one transaction; a row's key name replaces the stored one.
    /// </summary>
    Task AddAsync(IReadOnlyCollection<UsageRow> rows, CancellationToken cancellationToken);

    /// <summary>The stored rows the query selects, ordered by day, key name, key id and model.</summary>
    Task<IReadOnlyList<UsageRow>> ReadAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>The tokens key <paramref name="keyId"/> generated on UTC day <paramref name="day"/>, over every model.</summary>
    Task<long> GeneratedTokensAsync(string keyId, DateOnly day, CancellationToken cancellationToken);
}
