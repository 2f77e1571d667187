using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Usage;

/// <summary>One <see cref="UsageServer"/> per test class, and helpers to create keys and read usage.</summary>
public sealed class UsageFixture : IAsyncLifetime
{
    /// <summary>The running server.</summary>
    public UsageServer Usage { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Usage = await UsageServer.StartAsync();

    public ValueTask DisposeAsync() => Usage.DisposeAsync();

    /// <summary>Creates a key through the admin API; returns the secret and the key's id.</summary>
    internal static async Task<(string Key, string Id)> CreateKeyAsync(TestServer server, string name, string scopes = "[\"run\", \"models:request\"]")
    {
        using var admin = server.CreateHttpClient();
        var (status, body, _) = await PostAsync(admin, "/admin/v1/keys", $$"""{"name": "{{name}}", "scopes": {{scopes}}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var output = AssertOutput(body);
        return (output.GetProperty("key").GetString()!, output.GetProperty("record").GetProperty("id").GetString()!);
    }

    /// <summary>Reads <paramref name="path"/> (a usage route with its query) and returns the envelope's output.</summary>
    internal static async Task<JsonElement> ReadUsageAsync(HttpClient client, string path = "usage")
    {
        var (status, body, _) = await GetAsync(client, path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path} answered {status}: {body}");
        return AssertOutput(body);
    }

    /// <summary>The usage rows of <paramref name="output"/> for one model, summed over days.</summary>
    internal static (long Requests, double Seconds, long Input, long Generated, long Downloads) Sum(JsonElement output, string modelId, string? keyId = null)
    {
        var rows = output.GetProperty("usage").EnumerateArray()
            .Where(r => r.GetProperty("modelId").GetString() == modelId && (keyId is null || r.GetProperty("keyId").GetString() == keyId))
            .ToList();
        return (
            rows.Sum(r => r.GetProperty("requests").GetInt64()),
            rows.Sum(r => r.GetProperty("inferenceSeconds").GetDouble()),
            rows.Sum(r => r.GetProperty("inputTokens").GetInt64()),
            rows.Sum(r => r.GetProperty("generatedTokens").GetInt64()),
            rows.Sum(r => r.GetProperty("downloadsRequested").GetInt64()));
    }
}
