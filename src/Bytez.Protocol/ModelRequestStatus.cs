using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>The states of a model request job, in the order a successful job passes them.</summary>
public static class ModelRequestStates
{
    /// <summary>Waiting for a free download slot.</summary>
    public const string Queued = "queued";

    /// <summary>
    /// Reading the repository's metadata and choosing the files (the file list is not known yet); while the hub cannot
    /// be reached the job stays here, retrying (see <see cref="ModelRequestStatus.Retries"/>).
    /// </summary>
    public const string Resolving = "resolving";

    /// <summary>Downloading the chosen files.</summary>
    public const string Downloading = "downloading";

    /// <summary>Checking each downloaded file against the hash the hub published for it.</summary>
    public const string Verifying = "verifying";

    /// <summary>Loading the model once: resident memory, parameter count and one smoke inference.</summary>
    public const string Measuring = "measuring";

    /// <summary>Done: the model is in the catalog and can run.</summary>
    public const string Ready = "ready";

    /// <summary>Ended without a model; <see cref="ModelRequestStatus.Error"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>Whether a job in this state has ended (ready or failed).</summary>
    public static bool IsFinal(string? state) => state is Ready or Failed;
}

/// <summary>One file a model request job downloads.</summary>
public sealed class ModelRequestFile
{
    /// <summary>The file's path in the repository, for example <c>onnx/model.onnx</c>.</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }

    /// <summary>The file's size in bytes.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }

    /// <summary>The SHA-256 the hub published for the file (large files), or <see langword="null"/> for small files checked by their git hash.</summary>
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
}

/// <summary>
/// The state of a request for a Hugging Face model (<c>GET /models/v2/request/{modelId}</c>, an extension of this
/// server): where the job is, how far its download got, and the reason when it failed.
/// </summary>
public sealed class ModelRequestStatus
{
    /// <summary>The model id, <c>org/name</c>.</summary>
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }

    /// <summary>One of <see cref="ModelRequestStates"/>.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }

    /// <summary>The revision asked for (a branch, tag or commit); <c>main</c> unless the request named one.</summary>
    [JsonPropertyName("revision")] public string? Revision { get; init; }

    /// <summary>The commit the revision resolved to, once the repository's metadata was read (the commit of <see cref="Source"/>).</summary>
    [JsonPropertyName("commit")] public string? Commit { get; init; }

    /// <summary>
    /// The repository the files are downloaded from, once chosen: <see cref="ModelId"/> itself, or the conversion chosen
    /// for it when its own repository holds only weights this server does not run. The model is served under <see cref="ModelId"/> either way.
    /// </summary>
    [JsonPropertyName("source")] public string? Source { get; init; }

    /// <summary>When <see cref="Source"/> is a conversion, which one and why, for people; otherwise <see langword="null"/>.</summary>
    [JsonPropertyName("note")] public string? Note { get; init; }

    /// <summary>The task the model will run, once known (its Hugging Face pipeline tag).</summary>
    [JsonPropertyName("task")] public string? Task { get; init; }

    /// <summary>The weight format chosen: <c>onnx</c> or <c>gguf</c>, once known.</summary>
    [JsonPropertyName("format")] public string? Format { get; init; }

    /// <summary>The files chosen for download, once known.</summary>
    [JsonPropertyName("files")] public IReadOnlyList<ModelRequestFile> Files { get; init; } = [];

    /// <summary>Bytes of the chosen files on disk so far.</summary>
    [JsonPropertyName("bytesDone")] public long BytesDone { get; init; }

    /// <summary>Bytes of all chosen files, once known.</summary>
    [JsonPropertyName("bytesTotal")] public long BytesTotal { get; init; }

    /// <summary>Why the job failed, when <see cref="State"/> is <c>failed</c>.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }

    /// <summary>Hub calls of this run of the job that failed transiently and were (or are about to be) tried again.</summary>
    [JsonPropertyName("retries")] public int Retries { get; init; }

    /// <summary>When the latest retry is due (UTC); in the past once that attempt is under way. <see langword="null"/> without retries.</summary>
    [JsonPropertyName("nextAttemptAt")] public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Why the latest retried attempt failed (for example the hub could not be reached), or <see langword="null"/>.</summary>
    [JsonPropertyName("retryReason")] public string? RetryReason { get; init; }

    /// <summary>The memory an instance of the model took when it was measured, in GB (as <c>ramRequired</c> of <c>list/models</c>).</summary>
    [JsonPropertyName("ramRequired")] public double? RamRequired { get; init; }

    /// <summary>The parameter count, in billions (as <c>params</c> of <c>list/models</c>), once measured.</summary>
    [JsonPropertyName("params")] public double? Params { get; init; }

    /// <summary>When the job was created (UTC).</summary>
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the job last started running (UTC), or <see langword="null"/> while it waits.</summary>
    [JsonPropertyName("startedAt")] public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the job ended (UTC), or <see langword="null"/> while it runs.</summary>
    [JsonPropertyName("endedAt")] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>When the job's record last changed (UTC).</summary>
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// The optional body of <c>POST /models/v2/request/{modelId}</c> (an extension: the hosted service takes no body).
/// </summary>
public sealed class ModelRequestOptions
{
    /// <summary>A branch, tag or commit of the repository; default <c>main</c>.</summary>
    [JsonPropertyName("revision")] public string? Revision { get; set; }

    /// <summary>An http(s) URL the server posts the final <see cref="ModelRequestStatus"/> to when the job ends.</summary>
    [JsonPropertyName("webhook")] public string? Webhook { get; set; }
}
