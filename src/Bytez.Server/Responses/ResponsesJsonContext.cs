using System.Text.Json.Serialization;

namespace Bytez.Server.Responses;

/// <summary>The source-generated JSON of the response store.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ResponsesJsonContext : JsonSerializerContext;
