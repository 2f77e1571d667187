using System.Collections.Concurrent;
using System.Net;
using Bytez.Server.Auth;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Auth;

/// <summary>
/// The timing test, as a test of the path rather than of the clock: on the real server a wrong key, a key of the
/// issued shape with an unknown prefix and a right prefix with a wrong secret each cost one store authentication, which
/// does one lookup and one constant-time comparison, and each gets the same 401.
/// </summary>
public sealed class AuthenticationPathTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _steps = new();
    private int _authentications;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(configure: builder =>
        builder.Services.AddSingleton<IApiKeyStore>(provider =>
        {
            var options = provider.GetRequiredService<BytezServerOptions>();
            Directory.CreateDirectory(Path.GetDirectoryName(ApiKeyServices.DatabasePath(options))!);
            var store = new SqliteApiKeyStore(ApiKeyServices.DatabasePath(options), TimeProvider.System) { AuthenticationStep = _steps.Enqueue };
            return new CountingStore(store, () => Interlocked.Increment(ref _authentications));
        }));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task WrongKey_UnknownPrefix_AndRightPrefixWrongSecret_TakeTheSamePath()
    {
        var key = await ScopeTests.CreateKeyAsync(_server, """{"name": "real", "scopes": ["run"]}""");
        var wrongSecret = key[..^1] + (key[^1] == '0' ? '1' : '0');
        var paths = new Dictionary<string, (HttpStatusCode Status, string Error, int Authentications, string[] Steps)>();

        foreach (var (name, presented) in new[]
                 {
                     ("wrong key", "definitely-not-a-key"),
                     ("unknown prefix", "bz_0000000000_" + new string('0', 64)),
                     ("right prefix, wrong secret", wrongSecret),
                 })
        {
            _steps.Clear();
            Interlocked.Exchange(ref _authentications, 0);
            using var client = _server.CreateHttpClient("Key " + presented);
            var (status, body, _) = await GetAsync(client, "list/tasks");
            paths[name] = (status, AssertErrorEnvelope(body), Volatile.Read(ref _authentications), [.. _steps]);
        }

        Assert.All(paths.Values, p =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, p.Status);
            Assert.Equal("Unauthorized", p.Error);
            Assert.Equal(1, p.Authentications);
            Assert.Equal(["lookup", "compare"], p.Steps);
        });
    }

    /// <summary>The real store, counting its authentications.</summary>
    private sealed class CountingStore(IApiKeyStore inner, Action counted) : IApiKeyStore
    {
        public Task<CreatedApiKey> CreateAsync(ApiKeySpec spec, string actor, CancellationToken cancellationToken) => inner.CreateAsync(spec, actor, cancellationToken);

        public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string actor, CancellationToken cancellationToken) => inner.ListAsync(actor, cancellationToken);

        public Task<ApiKeyRecord?> RevokeAsync(string id, string actor, CancellationToken cancellationToken) => inner.RevokeAsync(id, actor, cancellationToken);

        public Task<CreatedApiKey?> RotateAsync(string id, string actor, CancellationToken cancellationToken) => inner.RotateAsync(id, actor, cancellationToken);

        public Task<ApiKeyRecord?> ChangeLimitsAsync(string id, Func<ApiKeyLimits, ApiKeyLimits> change, string actor, CancellationToken cancellationToken) =>
            inner.ChangeLimitsAsync(id, change, actor, cancellationToken);

        public Task<ApiKeyRecord?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken)
        {
            counted();
            return inner.AuthenticateAsync(presentedKey, cancellationToken);
        }

        public Task<IReadOnlyList<ApiKeyAuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken) => inner.ReadAuditAsync(limit, cancellationToken);
    }
}
