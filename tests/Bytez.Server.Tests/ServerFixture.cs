using Bytez.Testing;

namespace Bytez.Server.Tests;

/// <summary>One real server per test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
