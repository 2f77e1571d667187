namespace Bytez.Hub.Jobs;

/// <summary>
/// Durable storage of model request jobs, one per model id (ids compared without regard to case). Every write is on
/// disk when the call returns, so a job survives a crash of the process. SQLite today
/// (<see cref="SqliteModelRequestStore"/>); the interface is what another database (PostgreSQL for a cluster) implements.
/// </summary>
public interface IModelRequestStore
{
    /// <summary>
    /// Adds a queued job for the model, or returns the unfinished job it already has (<c>Created</c> false). A
    /// finished job (failed, or ready but gone from the catalog) is queued again in place, keeping its id.
    /// </summary>
    Task<(ModelRequestJob Job, bool Created)> EnqueueAsync(string modelId, string revision, string? webhook, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The job for a model id, or <see langword="null"/>.</summary>
    Task<ModelRequestJob?> FindAsync(string modelId, CancellationToken cancellationToken);

    /// <summary>Every job, newest first.</summary>
    Task<IReadOnlyList<ModelRequestJob>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the stored job of <paramref name="job"/>'s model id with it.</summary>
    Task SaveAsync(ModelRequestJob job, CancellationToken cancellationToken);

    /// <summary>Forgets the job of a model id (after its model was removed); <see langword="false"/> when there was none.</summary>
    Task<bool> DeleteAsync(string modelId, CancellationToken cancellationToken);
}
