using System.Text.Json;
using System.Text.Json.Serialization;
using Bytez.Protocol;

namespace Bytez.Engine.Scheduling;

/// <summary>
/// What a user set for a model's cluster with <c>PUT</c> or <c>PATCH</c>, as <see cref="IClusterStore"/> keeps it so
/// the cluster comes back after a restart: its timeout, capacity, config, and whether it was turned off.
/// </summary>
public sealed record ClusterSettings
{
    /// <summary>The model id.</summary>
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }

    /// <summary>Minutes an idle instance is kept.</summary>
    [JsonPropertyName("timeout")] public int Timeout { get; init; }

    /// <summary>Instances kept warm (min), loaded on create (desired), and at most (max).</summary>
    [JsonPropertyName("capacity")] public required ClusterCapacity Capacity { get; init; }

    /// <summary>The config object the user sent, kept as given.</summary>
    [JsonPropertyName("config")] public JsonElement? Config { get; init; }

    /// <summary>Whether the cluster was turned off with <c>PATCH {"status": "off"}</c>.</summary>
    [JsonPropertyName("off")] public bool Off { get; init; }

    /// <summary>When the cluster was created.</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }

    /// <summary>When its settings last changed.</summary>
    [JsonPropertyName("modified")] public DateTimeOffset Modified { get; init; }
}
