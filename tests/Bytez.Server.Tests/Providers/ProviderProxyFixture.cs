using Bytez.Testing;
using Bytez.Server.Tests.Apis;
using Bytez.Testing.FakeProviders;
using Microsoft.Extensions.Logging;

namespace Bytez.Server.Tests.Providers;

/// <summary>
/// The five fake providers on loopback and two real servers pointed at them: <see cref="Server"/> with no provider
/// keys of its own (callers send <c>provider-key</c>; its listed models are therefore not listed) and a 2-second provider timeout, <see cref="KeyedServer"/> with
/// each provider's valid key and the listed model <see cref="ListedModel"/>. Every log entry of both, at Trace, is kept.
/// </summary>
public sealed class ProviderProxyFixture : IAsyncLifetime
{
    /// <summary>The model name listed for every provider on <see cref="KeyedServer"/>.</summary>
    public const string ListedModel = "listed-model-1";

    /// <summary>The fakes.</summary>
    public FakeProviderSet Providers { get; private set; } = null!;

    /// <summary>A server without provider keys.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <summary>A server with every provider's key and one listed model each.</summary>
    public TestServer KeyedServer { get; private set; } = null!;

    /// <summary>Every log entry of both servers.</summary>
    internal LogCollector Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Providers = await FakeProviderSet.StartAsync();
        var settings = Providers.Settings(serverKeys: false, ListedModel);
        settings["Bytez:EmbeddedModels"] = "false";
        settings["Bytez:Providers:Timeout"] = "00:00:02";
        Server = await TestServer.StartAsync(settings, configure: CollectLogs);
        var keyed = Providers.Settings(serverKeys: true, ListedModel);
        keyed["Bytez:EmbeddedModels"] = "false";
        KeyedServer = await TestServer.StartAsync(keyed, configure: CollectLogs);
    }

    private void CollectLogs(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(Logs);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await KeyedServer.DisposeAsync();
        await Providers.DisposeAsync();
    }
}
