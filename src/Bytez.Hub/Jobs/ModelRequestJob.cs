using Bytez.Protocol;

namespace Bytez.Hub.Jobs;

/// <summary>
/// A request for a hub model as the job queue keeps it: the wire status plus what the queue needs to resume it
/// (the plan's model path, the webhook, the attempt count). Immutable; each change is a new record.
/// </summary>
public sealed record ModelRequestJob
{
    /// <summary>The model id as requested (or as the hub spells it, once the metadata was read).</summary>
    public required string ModelId { get; init; }

    /// <summary>One of <see cref="ModelRequestStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>The revision asked for.</summary>
    public required string Revision { get; init; }

    /// <summary>The commit the revision resolved to, once known.</summary>
    public string? Commit { get; init; }

    /// <summary>The repository the files come from, once the plan was made: the model id, or the conversion chosen for it.</summary>
    public string? Source { get; init; }

    /// <summary>When the files come from a conversion, which one and why (for people); otherwise <see langword="null"/>.</summary>
    public string? Note { get; init; }

    /// <summary>The task, once the plan was made.</summary>
    public string? Task { get; init; }

    /// <summary>The format (<see cref="ModelFormats"/>), once the plan was made.</summary>
    public string? Format { get; init; }

    /// <summary>The path in the snapshot the engine loads (see <see cref="DownloadPlan.ModelPath"/>), once the plan was made.</summary>
    public string? ModelPath { get; init; }

    /// <summary>The files chosen, once the plan was made.</summary>
    public IReadOnlyList<ModelRequestFile> Files { get; init; } = [];

    /// <summary>Bytes of the chosen files on disk.</summary>
    public long BytesDone { get; init; }

    /// <summary>Bytes of all chosen files.</summary>
    public long BytesTotal { get; init; }

    /// <summary>Why the job failed.</summary>
    public string? Error { get; init; }

    /// <summary>The URL called when the job ends, or <see langword="null"/>.</summary>
    public string? Webhook { get; init; }

    /// <summary>Resident memory an instance took when measured, in bytes.</summary>
    public long? RamBytes { get; init; }

    /// <summary>The parameter count counted from the weights.</summary>
    public long? ParameterCount { get; init; }

    /// <summary>How many times a worker started this job (restarts included).</summary>
    public int Attempts { get; init; }

    /// <summary>Transient hub failures retried in the latest run.</summary>
    public int Retries { get; init; }

    /// <summary>When the latest retry is due (live only: not stored).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Why the latest retried attempt failed.</summary>
    public string? RetryReason { get; init; }

    /// <summary>When the job was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a worker last started it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>When the record last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Whether the job has ended (ready or failed).</summary>
    public bool IsFinished => ModelRequestStates.IsFinal(State);

    /// <summary>The job as the API shows it.</summary>
    public ModelRequestStatus ToStatus() => new()
    {
        ModelId = ModelId,
        State = State,
        Revision = Revision,
        Commit = Commit,
        Source = Source,
        Note = Note,
        Task = Task,
        Format = Format,
        Files = Files,
        BytesDone = BytesDone,
        BytesTotal = BytesTotal,
        Error = Error,
        Retries = Retries,
        NextAttemptAt = NextAttemptAt,
        RetryReason = RetryReason,
        RamRequired = RamBytes is { } ram ? ModelInfo.ThreeSignificantFigures(ram / 1e9) : null,
        Params = ParameterCount is { } count ? ModelInfo.ThreeSignificantFigures(count / 1e9) : null,
        CreatedAt = CreatedAt,
        StartedAt = StartedAt,
        EndedAt = EndedAt,
        UpdatedAt = UpdatedAt,
    };
}
