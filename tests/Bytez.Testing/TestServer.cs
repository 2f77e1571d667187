using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Testing;

/// <summary>
/// A real Bytez server (Kestrel, the real engine and models) on a loopback port the OS picks, with its own data
/// directory. Models are extracted once per machine into <see cref="SharedModelsPath"/>.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    /// <summary>The key the test server accepts.</summary>
    public const string Key = "test-key-0123456789";

    private readonly WebApplication _app;

    private readonly bool _ownsHome;

    private TestServer(WebApplication app, string home, bool ownsHome, Uri baseAddress)
    {
        _app = app;
        Home = home;
        _ownsHome = ownsHome;
        BaseAddress = baseAddress;
    }

    /// <summary>The model store shared by every test server of a run.</summary>
    public static string SharedModelsPath { get; } = Path.Combine(Path.GetTempPath(), "bytez-test-models");

    /// <summary>The server's data directory (deleted on dispose unless the caller chose it).</summary>
    public string Home { get; }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The Bytez API base, <c>.../models/v2/</c>.</summary>
    public Uri ApiBase => new(BaseAddress, "models/v2/");

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server; <paramref name="settings"/> adds or overrides configuration keys, <paramref name="configure"/>
    /// adds services (for example a collaborator that fails on purpose).
    /// </summary>
    public static async Task<TestServer> StartAsync(
        IDictionary<string, string?>? settings = null, string? key = Key, Action<WebApplicationBuilder>? configure = null)
    {
        var ownsHome = settings is null || !settings.ContainsKey("Bytez:Home");
        var home = ownsHome
            ? Path.Combine(Path.GetTempPath(), "bytez-test-home-" + Guid.NewGuid().ToString("N"))
            : settings!["Bytez:Home"]!;
        // The hub cache lives in the server's own data directory: tests never touch the user's Hugging Face cache.
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={SharedModelsPath}",
            $"--Bytez:Hub:CachePath={Path.Combine(home, "hf-cache")}",
        };
        if (key is not null)
        {
            args.Add($"--Bytez:Key={key}");
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            args.Add($"--{name}={value}");
        }

        var app = BytezServer.Create(args.ToArray(), builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, home, ownsHome, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>An HttpClient for the server, sending the test key unless told otherwise.</summary>
    public HttpClient CreateHttpClient(string? authorization = "Key " + Key)
    {
        var client = new HttpClient { BaseAddress = ApiBase };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        return client;
    }

    /// <summary>Stops the server and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (!_ownsHome)
        {
            return;
        }

        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
