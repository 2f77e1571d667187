using System.Globalization;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Server.Auth;

namespace Bytez.Server.Apis.Admin;

/// <summary>
/// The admin API of keys, under <c>/admin/v1/keys</c> (the <c>admin</c> scope): <c>POST</c> creates a key and
/// answers it once, <c>GET</c> lists keys (prefix, name, scopes, times; never a secret), <c>DELETE {id}</c> revokes
/// one at once, <c>POST {id}/rotate</c> gives it a new secret (answered once), <c>GET audit</c> reads the audit log.
/// Every answer is in the Bytez envelope.
/// </summary>
public static class KeysApi
{
    /// <summary>The prefix of every admin route.</summary>
    public const string AdminPrefix = "/admin";

    /// <summary>The base of the key routes.</summary>
    public const string Prefix = AdminPrefix + "/v1/keys";

    private const string CreateExample =
        "{\"name\": \"ci script\", \"scopes\": [\"run\"], \"expiresAt\": \"2027-01-01T00:00:00Z\", \"allowedModels\": [\"Qwen/*\"]}";

    /// <summary>Maps the key routes.</summary>
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var keys = app.MapGroup(Prefix);
        keys.MapPost("/", CreateAsync);
        keys.MapGet("/", ListAsync);
        keys.MapGet("/audit", AuditAsync);
        keys.MapDelete("/{id}", RevokeAsync);
        keys.MapPost("/{id}/rotate", RotateAsync);
        return app;
    }

    private static async Task CreateAsync(HttpContext context, IApiKeyStore store)
    {
        var spec = await ReadSpecAsync(context).ConfigureAwait(false);
        CreatedApiKey created;
        try
        {
            created = await store.CreateAsync(spec, Actor(context), context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw EngineException.BadInput(e.Message + " Expected e.g. " + CreateExample);
        }

        await WriteCreatedAsync(context, created, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, IApiKeyStore store)
    {
        var keys = await store.ListAsync(Actor(context), context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var key in keys)
            {
                Write(w, key);
            }

            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    private static async Task AuditAsync(HttpContext context, IApiKeyStore store)
    {
        var limit = 100;
        if (context.Request.Query["limit"] is { Count: 1 } text
            && (!int.TryParse(text[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
        {
            throw EngineException.BadInput("'limit' must be a whole number from 1 to 10000.");
        }

        var rows = await store.ReadAuditAsync(limit, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteNumber("sequence", row.Sequence);
                w.WriteString("at", row.At);
                w.WriteString("action", row.Action);
                w.WriteString("keyId", row.KeyId);
                w.WriteString("actor", row.Actor);
                w.WriteString("detail", row.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    private static async Task RevokeAsync(HttpContext context, string id, IApiKeyStore store)
    {
        var record = await store.RevokeAsync(id, Actor(context), context.RequestAborted).ConfigureAwait(false)
            ?? throw EngineException.NotFound($"There is no key '{id}'; GET {Prefix} lists them.");
        await Envelope.WriteOutputAsync(context, w => Write(w, record)).ConfigureAwait(false);
    }

    private static async Task RotateAsync(HttpContext context, string id, IApiKeyStore store)
    {
        var created = await store.RotateAsync(id, Actor(context), context.RequestAborted).ConfigureAwait(false)
            ?? throw EngineException.NotFound($"There is no active key '{id}' (unknown or revoked); GET {Prefix} lists them.");
        await WriteCreatedAsync(context, created, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static string Actor(HttpContext context) => ApiKeyIdentity.Of(context) is { } who ? $"{who.Name} ({who.Id})" : "unknown";

    private static Task WriteCreatedAsync(HttpContext context, CreatedApiKey created, int status) =>
        Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", created.Key);
            w.WritePropertyName("record");
            Write(w, created.Record);
            w.WriteEndObject();
        }, status);

    private static void Write(Utf8JsonWriter w, ApiKeyRecord key)
    {
        w.WriteStartObject();
        w.WriteString("id", key.Id);
        w.WriteString("name", key.Name);
        w.WriteString("prefix", ApiKeyFormat.Start + key.Prefix);
        w.WriteStartArray("scopes");
        foreach (var scope in key.Scopes)
        {
            w.WriteStringValue(scope);
        }

        w.WriteEndArray();
        w.WriteStartArray("allowedModels");
        foreach (var model in key.AllowedModels)
        {
            w.WriteStringValue(model);
        }

        w.WriteEndArray();
        w.WriteString("createdAt", key.CreatedAt);
        WriteTime(w, "expiresAt", key.ExpiresAt);
        WriteTime(w, "lastUsedAt", key.LastUsedAt);
        WriteTime(w, "revokedAt", key.RevokedAt);
        w.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, t);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static async Task<ApiKeySpec> ReadSpecAsync(HttpContext context)
    {
        if (await JsonBody.ReadAsync(context, CreateExample).ConfigureAwait(false) is not { ValueKind: JsonValueKind.Object } root)
        {
            throw EngineException.BadInput($"The body must be a JSON object: {CreateExample}");
        }

        string? name = null;
        List<string>? scopes = null;
        List<string>? models = null;
        DateTimeOffset? expiresAt = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name" when property.Value.ValueKind == JsonValueKind.String:
                    name = property.Value.GetString();
                    break;
                case "scopes":
                    scopes = Strings(property.Value, "scopes");
                    break;
                case "allowedModels":
                    models = property.Value.ValueKind == JsonValueKind.Null ? null : Strings(property.Value, "allowedModels");
                    break;
                case "expiresAt" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "expiresAt" when property.Value.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at):
                    expiresAt = at;
                    break;
                case "name" or "expiresAt":
                    throw EngineException.BadInput(
                        property.Name == "name" ? "'name' must be a string." : "'expiresAt' must be an ISO 8601 date and time, e.g. \"2027-01-01T00:00:00Z\".");
                default:
                    throw EngineException.BadInput($"Unknown field '{property.Name}'; a key takes 'name', 'scopes', 'expiresAt' and 'allowedModels'.");
            }
        }

        if (name is null || scopes is null)
        {
            throw EngineException.BadInput($"A key needs 'name' and 'scopes': {CreateExample}");
        }

        return new ApiKeySpec(name, scopes, expiresAt, models);
    }

    private static List<string> Strings(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 100
            || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw EngineException.BadInput($"'{field}' must be an array of at most 100 strings.");
        }

        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
