using System.Text.Json.Serialization;

namespace Bytez.Cli;

/// <summary>Source-generated JSON metadata of the SDK records the commands print with <c>--json</c>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(RemovedModel))]
[JsonSerializable(typeof(NewApiKey))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(ApiKeyLimits))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyInfo>))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyAuditRecord>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
