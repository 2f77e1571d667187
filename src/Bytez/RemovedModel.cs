using System.Text.Json.Serialization;

namespace Bytez;

/// <summary>What <see cref="BytezClient.RemoveModelAsync"/> removed: the model and the bytes its files took on disk.</summary>
public sealed record RemovedModel
{
    /// <summary>The model removed, <c>org/name</c>.</summary>
    [JsonPropertyName("modelId")] public required string ModelId { get; init; }

    /// <summary>The bytes of the files deleted.</summary>
    [JsonPropertyName("bytesFreed")] public long BytesFreed { get; init; }
}
