using System.Text.Json.Serialization;

namespace Bytez;

/// <summary>
/// The scopes a key of a self-hosted Bytez server can hold (<see cref="ApiKeyCreateOptions.Scopes"/>): each allows
/// one family of routes.
/// </summary>
public static class ApiKeyScope
{
    /// <summary>Running models (the run routes, and the OpenAI, Anthropic, rerank, TEI, tokenizer and MCP ones).</summary>
    public const string Run = "run";

    /// <summary>Requesting, cancelling and removing model downloads from the hub.</summary>
    public const string ModelsRequest = "models:request";

    /// <summary>Loading, updating and shutting down clusters.</summary>
    public const string ClustersManage = "clusters:manage";

    /// <summary>The admin API (keys); implies every other scope.</summary>
    public const string Admin = "admin";
}

/// <summary>What a new key is made with (the body of <c>POST /admin/v1/keys</c>).</summary>
public sealed record ApiKeyCreateOptions
{
    /// <summary>A name that says who or what uses the key, for example <c>ci script</c>.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>The scopes of the key: values of <see cref="ApiKeyScope"/>.</summary>
    [JsonPropertyName("scopes")] public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>When the key stops working; <see langword="null"/> for never.</summary>
    [JsonPropertyName("expiresAt")] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Model id patterns the key may use (<c>Qwen/*</c>); <see langword="null"/> for every model.</summary>
    [JsonPropertyName("allowedModels")] public IReadOnlyList<string>? AllowedModels { get; init; }

    /// <summary>The key's own limits; <see langword="null"/> for the server's defaults on every limit.</summary>
    [JsonPropertyName("limits")] public ApiKeyLimits? Limits { get; init; }
}

/// <summary>
/// The limits of one key (the <c>limits</c> object of the key API). For each limit, <see langword="null"/> takes the
/// server's default (<c>Bytez:Keys:Limits</c>), 0 lifts the limit for this key, any other number overrides the default.
/// Beyond a limit the server answers 429 with <c>Retry-After</c>.
/// </summary>
public sealed record ApiKeyLimits
{
    /// <summary>Requests of the key served at once; <see langword="null"/> for the default, 0 for no limit.</summary>
    [JsonPropertyName("concurrentRequests")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? ConcurrentRequests { get; init; }

    /// <summary>Requests of the key admitted per minute (a fixed one-minute window); <see langword="null"/> for the default, 0 for no limit.</summary>
    [JsonPropertyName("requestsPerMinute")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? RequestsPerMinute { get; init; }

    /// <summary>Tokens the key's generations may produce per UTC day; <see langword="null"/> for the default, 0 for no limit.</summary>
    [JsonPropertyName("generatedTokensPerDay")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? GeneratedTokensPerDay { get; init; }
}

/// <summary>A key as the server lists it: its id, name, visible prefix, scopes and times; never its secret.</summary>
public sealed record ApiKeyInfo
{
    /// <summary>The key's id, what <see cref="BytezAdminClient.RevokeKeyAsync"/> and <see cref="BytezAdminClient.RotateKeyAsync"/> take.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The key's name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>The start of the key (<c>bz_ab12…</c>), enough to tell keys apart, not to use one.</summary>
    [JsonPropertyName("prefix")] public required string Prefix { get; init; }

    /// <summary>The scopes of the key.</summary>
    [JsonPropertyName("scopes")] public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>The model id patterns the key may use; empty for every model.</summary>
    [JsonPropertyName("allowedModels")] public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>The key's own limits as stored (each <see langword="null"/> takes the server's default, 0 is no limit).</summary>
    [JsonPropertyName("limits")] public ApiKeyLimits Limits { get; init; } = new();

    /// <summary>When the key was created.</summary>
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the key stops working, or <see langword="null"/> for never.</summary>
    [JsonPropertyName("expiresAt")] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When the key was last used, or <see langword="null"/>.</summary>
    [JsonPropertyName("lastUsedAt")] public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>When the key was revoked, or <see langword="null"/> while it works.</summary>
    [JsonPropertyName("revokedAt")] public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A key just created or rotated: its secret, shown this once, and its record.</summary>
public sealed record NewApiKey
{
    /// <summary>The secret to send as the API key. The server keeps only its hash: it is never shown again.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }

    /// <summary>The key's record.</summary>
    [JsonPropertyName("record")] public required ApiKeyInfo Record { get; init; }
}

/// <summary>One row of the key audit log: who did what to which key, and when.</summary>
public sealed record ApiKeyAuditRecord
{
    /// <summary>The row's number, rising.</summary>
    [JsonPropertyName("sequence")] public long Sequence { get; init; }

    /// <summary>When it happened.</summary>
    [JsonPropertyName("at")] public DateTimeOffset At { get; init; }

    /// <summary>What happened, for example <c>create</c>, <c>revoke</c>, <c>rotate</c>.</summary>
    [JsonPropertyName("action")] public required string Action { get; init; }

    /// <summary>The key it happened to.</summary>
    [JsonPropertyName("keyId")] public string? KeyId { get; init; }

    /// <summary>The key that did it, as <c>name (id)</c>.</summary>
    [JsonPropertyName("actor")] public string? Actor { get; init; }

    /// <summary>More about it, for example the scopes given.</summary>
    [JsonPropertyName("detail")] public string? Detail { get; init; }
}
