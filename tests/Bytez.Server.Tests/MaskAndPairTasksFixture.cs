using Bytez.Testing;

namespace Bytez.Server.Tests;

/// <summary>The tests of fill-mask, zero-shot-classification and text-ranking share one server on their tiny models.</summary>
[CollectionDefinition(nameof(MaskAndPairTasksCollection))]
public sealed class MaskAndPairTasksCollection : ICollectionFixture<MaskAndPairTasksFixture>;

/// <summary>Starts <see cref="MaskAndPairTasksServer"/> once for the collection.</summary>
public sealed class MaskAndPairTasksFixture : IAsyncLifetime
{
    /// <summary>The server and the designs of its models.</summary>
    public MaskAndPairTasksServer Tasks { get; private set; } = null!;

    /// <summary>The running server.</summary>
    public TestServer Server => Tasks.Server;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => Tasks = await MaskAndPairTasksServer.StartAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Tasks.DisposeAsync();
}

/// <summary>Assertions on scores computed in closed form (<see cref="Float32Expected"/>).</summary>
internal static class ScoreAssert
{
    /// <summary>Asserts a JSON score is the expected float32 value.</summary>
    public static void AssertScore(float expected, double actual) =>
        Assert.True(Float32Expected.IsScore(expected, actual), $"expected the float32 score {expected}, got {actual}");
}
