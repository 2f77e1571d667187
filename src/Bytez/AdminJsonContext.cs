using System.Text.Json.Serialization;

namespace Bytez;

/// <summary>Source-generated JSON metadata of the records of this server's extensions (keys, model removal).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiKeyCreateOptions))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(ApiKeyLimits))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyInfo>))]
[JsonSerializable(typeof(NewApiKey))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyAuditRecord>))]
[JsonSerializable(typeof(RemovedModel))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
