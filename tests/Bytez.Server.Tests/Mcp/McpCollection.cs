namespace Bytez.Server.Tests.Mcp;

/// <summary>The MCP test classes share one server (<see cref="McpFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class McpCollection : ICollectionFixture<McpFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mcp";
}
