namespace Bytez.Playground.Tests;

/// <summary>The playground tests share one server and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class PlaygroundCollection : ICollectionFixture<PlaygroundFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "playground";
}
