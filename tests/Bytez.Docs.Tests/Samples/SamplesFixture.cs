using Bytez.Docs.Tests.Markdown;
using Bytez.Testing;

namespace Bytez.Docs.Tests.Samples;

/// <summary>
/// One real server for the samples' tests, as a user would run them one after another: the embedded models, the
/// README's chat model and a fake hub (<see cref="DocsServer"/>).
/// </summary>
public sealed class SamplesFixture : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public DocsServer Docs { get; private set; } = null!;

    /// <summary>An SDK client for the server, as the samples' programs make from BYTEZ_HOST and BYTEZ_KEY.</summary>
    public BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Docs.Server.ApiBase });

    public async ValueTask InitializeAsync() => Docs = await DocsServer.StartAsync();

    public ValueTask DisposeAsync() => Docs.DisposeAsync();
}
