using System.Text.Json.Serialization;

namespace Bytez.Engine;

/// <summary>Source-generated JSON metadata for the engine's own files.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(List<Scheduling.ClusterSettings>))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;
