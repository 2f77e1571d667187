namespace Bytez.Docs.Tests.Samples;

/// <summary>The samples' tests share one server and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SamplesCollection : ICollectionFixture<SamplesFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Samples";
}
