using Bytez.Testing;

namespace Bytez.Server.Tests;

/// <summary>One server with the tiny generative models per test class.</summary>
public sealed class GenerationFixture : IAsyncLifetime
{
    /// <summary>The server and its models.</summary>
    public GenerationServer Generation { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Generation = await GenerationServer.StartAsync();

    public ValueTask DisposeAsync() => Generation.DisposeAsync();
}
