using System.Text.Json;
using Bytez.Engine.Generation.Constraints;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary><see cref="CompiledGrammarCache"/>: one grammar per pattern text, within its bounds, and <c>response_format</c> uses it.</summary>
public sealed class CompiledGrammarCacheTests
{
    [Fact]
    public void GetOrCompile_SameText_SameGrammar()
    {
        var cache = new CompiledGrammarCache();

        var a = cache.GetOrCompile(Schema("""{"type":"object","properties":{"a":{"type":"integer"}}}"""));
        var b = cache.GetOrCompile(Schema("""{"type":"object","properties":{"a":{"type":"integer"}}}"""));
        var c = cache.GetOrCompile(Schema("""{"type":"object","properties":{"b":{"type":"integer"}}}"""));

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.True(GrammarMatcherTests.Matches(c, "{\"b\": 1}"));
        Assert.False(GrammarMatcherTests.Matches(c, "{\"a\": 1}"));
    }

    [Fact]
    public void GetOrCompile_PatternsThatDifferOnlyInStructure_NotConfused()
    {
        var cache = new CompiledGrammarCache();

        var joined = cache.GetOrCompile(GrammarPattern.Sequence(GrammarPattern.Literal("ab"), GrammarPattern.Literal("c")));
        var split = cache.GetOrCompile(GrammarPattern.Sequence(GrammarPattern.Literal("a"), GrammarPattern.Literal("bc")));
        var either = cache.GetOrCompile(GrammarPattern.AnyOf(GrammarPattern.Literal("ab"), GrammarPattern.Literal("c")));

        Assert.NotSame(joined, split);
        Assert.True(GrammarMatcherTests.Matches(split, "abc"));
        Assert.True(GrammarMatcherTests.Matches(either, "c"));
        Assert.False(GrammarMatcherTests.Matches(either, "abc"));
    }

    [Fact]
    public void GetOrCompile_MoreThanTheBound_LeastRecentlyUsedLeaves()
    {
        var cache = new CompiledGrammarCache(maxEntries: 2);
        var first = cache.GetOrCompile(GrammarPattern.Literal("one"));
        _ = cache.GetOrCompile(GrammarPattern.Literal("two"));
        Assert.Same(first, cache.GetOrCompile(GrammarPattern.Literal("one")));

        _ = cache.GetOrCompile(GrammarPattern.Literal("three"));

        Assert.Equal(2, cache.Count);
        Assert.Same(first, cache.GetOrCompile(GrammarPattern.Literal("one")));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void GetOrCompile_GrammarLargerThanThePositionBound_NotKept()
    {
        var cache = new CompiledGrammarCache(maxPositions: 100);

        var large = cache.GetOrCompile(GrammarPattern.JsonObject());
        var again = cache.GetOrCompile(GrammarPattern.JsonObject());

        Assert.True(large.Size > 100);
        Assert.NotSame(large, again);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ResponseFormat_SameSchemaTwice_OneGrammar()
    {
        const string Format = """{"type":"json_schema","json_schema":{"name":"cache_test","schema":{"type":"object","properties":{"cached":{"type":"boolean"}},"required":["cached"]}}}""";
        using var a = JsonDocument.Parse(Format);
        using var b = JsonDocument.Parse(Format);

        Assert.Same(ResponseFormat.Parse(a.RootElement), ResponseFormat.Parse(b.RootElement));
    }

    private static GrammarPattern Schema(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return GrammarPattern.JsonSchema(document.RootElement);
    }
}
