using System.Text.Json.Serialization;
using Bytez.Protocol;

namespace Bytez.Hub;

/// <summary>Source-generated JSON metadata for what the hub project stores and sends.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ModelRequestFile>))]
[JsonSerializable(typeof(ModelRequestStatus))]
internal sealed partial class HubJsonContext : JsonSerializerContext;
