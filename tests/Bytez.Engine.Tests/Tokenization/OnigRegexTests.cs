using System.Diagnostics;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>Regular expressions from <c>tokenizer.json</c> are untrusted: a catastrophic pattern must not hold a request.</summary>
public sealed class OnigRegexTests
{
    private static readonly string Text = new string('a', 100) + "b";

    [Fact]
    public void Encode_CatastrophicSplitPatternWithoutLookaround_RunsInLinearTimeWithTheSameOutput()
    {
        // (a+)+$ backtracks 2^100 ways on "a...ab"; it has no lookaround, so it runs on the non-backtracking engine.
        var evil = HfTokenizer.FromJson(TestTokenizerFiles.Gpt2WithSplit("(a+)+$"));
        var plain = HfTokenizer.FromJson(TestTokenizerFiles.Gpt2WithSplit("never-matches"));

        var clock = Stopwatch.StartNew();
        var ids = evil.Encode(Text, addSpecialTokens: false);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "hang guard");
        Assert.Equal(plain.Encode(Text, addSpecialTokens: false), ids);
        Assert.NotEmpty(ids);
    }

    [Fact]
    public void Encode_CatastrophicSplitPatternWithLookahead_FailsAsBadInputNamingTheLimit()
    {
        // A lookahead keeps the pattern on the backtracking engine, where the timeout per match bounds it.
        var evil = HfTokenizer.FromJson(
            TestTokenizerFiles.Gpt2WithSplit("(a+)+(?=c)"), options: new TokenizerOptions { RegexTimeout = TimeSpan.FromMilliseconds(100) });

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<EngineException>(() => evil.Encode(Text, addSpecialTokens: false));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "hang guard");
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("Bytez:Tokenizers:RegexTimeout", e.Message, StringComparison.Ordinal);
        Assert.Contains("100 ms", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_GoodTextWithLookaheadPattern_StillMatchesWithinTheLimit()
    {
        var bounded = HfTokenizer.FromJson(
            TestTokenizerFiles.Gpt2WithSplit(@"\s+(?!\S)|\s+|\w+"), options: new TokenizerOptions { RegexTimeout = TimeSpan.FromMilliseconds(100) });
        var unbounded = HfTokenizer.FromJson(TestTokenizerFiles.Gpt2WithSplit(@"\s+(?!\S)|\s+|\w+"));

        Assert.Equal(unbounded.Encode("hello   world", addSpecialTokens: false), bounded.Encode("hello   world", addSpecialTokens: false));
    }
}
