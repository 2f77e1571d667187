using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>How many instances of a model may run: at least <see cref="Min"/>, normally <see cref="Desired"/>, at most <see cref="Max"/>.</summary>
public sealed class ClusterCapacity
{
    /// <summary>Instances kept loaded even when idle.</summary>
    [JsonPropertyName("min")] public int Min { get; set; }

    /// <summary>Instances loaded when the cluster is created.</summary>
    [JsonPropertyName("desired")] public int Desired { get; set; } = 1;

    /// <summary>Instances the cluster may grow to under load.</summary>
    [JsonPropertyName("max")] public int Max { get; set; } = 1;
}

/// <summary>
/// A model's cluster: the loaded instances of one model and their settings (<c>GET /models/v2/{modelId}</c>).
/// </summary>
public sealed class ClusterInfo
{
    /// <summary>The model id.</summary>
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }

    /// <summary><c>loading</c>, <c>running</c>, <c>stopped</c> or <c>failed</c> (see <see cref="ClusterStatuses"/>).</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    /// <summary>When the cluster was created (UTC).</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }

    /// <summary>When its settings or status last changed (UTC).</summary>
    [JsonPropertyName("modified")] public DateTimeOffset Modified { get; init; }

    /// <summary>Idle minutes after which an instance above <see cref="ClusterCapacity.Min"/> is unloaded.</summary>
    [JsonPropertyName("timeout")] public int Timeout { get; init; }

    /// <summary>The instance bounds.</summary>
    [JsonPropertyName("capacity")] public required ClusterCapacity Capacity { get; init; }

    /// <summary>Instances loaded now.</summary>
    [JsonPropertyName("instances")] public int Instances { get; init; }

    /// <summary>Requests served since the cluster was created.</summary>
    [JsonPropertyName("inferences")] public long Inferences { get; init; }

    /// <summary>When the last request was served, or <see langword="null"/>.</summary>
    [JsonPropertyName("lastInference")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? LastInference { get; init; }

    /// <summary>Why the cluster failed, when <see cref="Status"/> is <c>failed</c> (our extension).</summary>
    [JsonPropertyName("failure")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Failure { get; init; }
}

/// <summary>The body of <c>PUT</c> (create) and <c>PATCH</c> (update) on <c>/models/v2/{modelId}</c>. Unset fields keep their value.</summary>
public sealed class ClusterRequest
{
    /// <summary>Idle minutes before an instance above the minimum unloads, 1 to 1440.</summary>
    [JsonPropertyName("timeout")] public int? Timeout { get; set; }

    /// <summary>The instance bounds.</summary>
    [JsonPropertyName("capacity")] public ClusterCapacity? Capacity { get; set; }

    /// <summary>Keyword arguments for loading the model (accepted and kept; not interpreted yet).</summary>
    [JsonPropertyName("config")] public JsonElement? Config { get; set; }

    /// <summary><c>on</c> or <c>off</c> (PATCH only): off unloads every instance and refuses runs until on.</summary>
    [JsonPropertyName("status")] public string? Status { get; set; }
}

/// <summary>The status values of a cluster.</summary>
public static class ClusterStatuses
{
    /// <summary>An instance is being loaded and none is ready yet.</summary>
    public const string Loading = "loading";

    /// <summary>At least one instance is loaded and serving.</summary>
    public const string Running = "running";

    /// <summary>No instance is loaded (idle timeout with a minimum of 0, or turned off); a run loads one again unless off.</summary>
    public const string Stopped = "stopped";

    /// <summary>Turned off with <c>PATCH {status: "off"}</c>: runs are refused until it is turned on.</summary>
    public const string Off = "off";

    /// <summary>Loading failed; <see cref="ClusterInfo.Failure"/> says why. A new run or PUT tries again.</summary>
    public const string Failed = "failed";
}
