using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="TokenClassificationPostProcessor"/> against transformers 4.57's token-classification pipeline, on
/// hand-made tokens and logits: each token's logits are 0 except a chosen label, so every probability is the closed
/// form softmax([v, 0, ...]) computed here in float32.
/// </summary>
public sealed class TokenClassificationPostProcessorTests
{
    private static readonly string[] BioLabels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

    /// <summary>A WordPiece decoder, as BERT's convert_tokens_to_string: joined by spaces, " ##" removed.</summary>
    private static readonly Func<IReadOnlyList<string>, string> WordPiece =
        tokens => string.Join(' ', tokens).Replace(" ##", string.Empty, StringComparison.Ordinal).Trim();

    private static TokenClassifierInfo Bert(IReadOnlyList<string>? labels = null) =>
        new(labels ?? BioLabels, UnknownTokenId: 1, HasContinuingSubwordPrefix: true, WordPiece);

    /// <summary>
    /// The probability of label <paramref name="hot"/> in softmax over <paramref name="labels"/> logits that are 0
    /// except <paramref name="v"/> there: exp(0) / Σ with exp(-v) for the others, summed in label order (numpy sums
    /// fewer than 8 values sequentially).
    /// </summary>
    private static float Hot(float v, int labels, int hot)
    {
        var e = MathF.Exp(-v);
        var sum = 0f;
        for (var i = 0; i < labels; i++)
        {
            sum += i == hot ? 1f : e;
        }

        return 1f / sum;
    }

    private static EncodedToken Cls => new(101, "[CLS]", 0, 0, IsSpecial: true);

    private static EncodedToken Sep => new(102, "[SEP]", 0, 0, IsSpecial: true);

    /// <summary>A window whose token i has logit <c>hot[i].Value</c> on label <c>hot[i].Label</c> (specials: all zero).</summary>
    private static TokenClassificationChunk Chunk(int labels, params (EncodedToken Token, int Label, float Value)[] tokens)
    {
        var logits = new float[tokens.Length * labels];
        for (var i = 0; i < tokens.Length; i++)
        {
            logits[(i * labels) + tokens[i].Label] = tokens[i].Value;
        }

        return new TokenClassificationChunk([.. tokens.Select(t => t.Token)], logits);
    }

    /// <summary>"johnny lives in paris": john ##ny (person), paris (location).</summary>
    private static TokenClassificationChunk Johnny() => Chunk(
        5,
        (Cls, 0, 0f),
        (new(10, "john", 0, 4), 1, 5f),
        (new(11, "##ny", 4, 6), 2, 5f),
        (new(12, "lives", 7, 12), 0, 5f),
        (new(13, "in", 13, 15), 0, 5f),
        (new(14, "paris", 16, 21), 3, 5f),
        (Sep, 0, 0f));

    private static TokenClassificationResult Run(string text, TokenClassificationChunk chunk, TokenClassificationParameters parameters, TokenClassifierInfo? model = null) =>
        TokenClassificationPostProcessor.Run(text, [chunk], model ?? Bert(), parameters);

    private static TokenClassificationParameters With(string strategy, params string[] ignore) =>
        new(TokenClassificationParameters.ParseStrategy(strategy), ignore.Length == 0 ? ["O"] : ignore, null);

    [Fact]
    public void None_ListsEachTokenWithRawWordIndexAndOffsets()
    {
        var result = Run("johnny lives in paris", Johnny(), TokenClassificationParameters.Default);

        Assert.Null(result.Groups);
        Assert.Equal(
            [
                new TokenEntity("B-PER", Hot(5f, 5, 1), 1, "john", 0, 4),
                new TokenEntity("I-PER", Hot(5f, 5, 2), 2, "##ny", 4, 6),
                new TokenEntity("B-LOC", Hot(5f, 5, 3), 5, "paris", 16, 21),
            ],
            result.Tokens);
    }

    [Fact]
    public void None_EmptyIgnoreLabels_KeepsO()
    {
        var result = Run("johnny lives in paris", Johnny(), TokenClassificationParameters.Default with { IgnoreLabels = [] });

        Assert.Equal(["B-PER", "I-PER", "O", "O", "B-LOC"], result.Tokens!.Select(t => t.Entity));
    }

    [Fact]
    public void Simple_GroupsBAndIIntoOneEntity()
    {
        var result = Run("johnny lives in paris", Johnny(), With("simple"));

        Assert.Null(result.Tokens);
        Assert.Equal(
            [
                new GroupedEntity("PER", (Hot(5f, 5, 1) + Hot(5f, 5, 2)) / 2, "johnny", 0, 6),
                new GroupedEntity("LOC", Hot(5f, 5, 3), "paris", 16, 21),
            ],
            result.Groups);
    }

    [Fact]
    public void Simple_GroupScore_IsTheMeanOfTheMembers()
    {
        // john: B-PER with logit 5, ##ny: I-PER with logit 2 -> (p5 + p2) / 2 in float32.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "john", 0, 4), 1, 5f), (new(11, "##ny", 4, 6), 2, 2f), (Sep, 0, 0f));

        var result = Run("johnny", chunk, With("simple"));

        Assert.Equal((Hot(5f, 5, 1) + Hot(2f, 5, 2)) / 2, Assert.Single(result.Groups!).Score);
    }

    [Fact]
    public void Simple_OBetweenBAndI_SplitsTheEntity_BecauseFilteringComesAfterGrouping()
    {
        // "ann and bob": B-PER, O, I-PER. Python groups first (PER, O, PER) and then drops O, so two persons; a
        // filter before grouping (transformers.js) would have merged ann and bob.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "ann", 0, 3), 1, 5f), (new(11, "and", 4, 7), 0, 5f), (new(12, "bob", 8, 11), 2, 5f), (Sep, 0, 0f));

        var result = Run("ann and bob", chunk, With("simple"));

        Assert.Equal([("PER", "ann", 0, 3), ("PER", "bob", 8, 11)], result.Groups!.Select(g => (g.EntityGroup, g.Word, g.Start, g.End)));
    }

    [Fact]
    public void Simple_EmptyIgnoreLabels_KeepsTheOGroup()
    {
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "ann", 0, 3), 1, 5f), (new(11, "and", 4, 7), 0, 5f), (new(12, "bob", 8, 11), 2, 5f), (Sep, 0, 0f));

        var result = Run("ann and bob", chunk, With("simple") with { IgnoreLabels = [] });

        Assert.Equal(["PER", "O", "PER"], result.Groups!.Select(g => g.EntityGroup));
    }

    [Fact]
    public void Simple_TwoBTags_AreTwoEntities()
    {
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "ann", 0, 3), 1, 5f), (new(12, "bob", 4, 7), 1, 5f), (Sep, 0, 0f));

        var result = Run("ann bob", chunk, With("simple"));

        Assert.Equal(["ann", "bob"], result.Groups!.Select(g => g.Word));
    }

    [Fact]
    public void Simple_IAfterADifferentTag_StartsANewEntity()
    {
        // B-PER then I-LOC: tags differ, so a new group although I- would continue one.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "ann", 0, 3), 1, 5f), (new(12, "rome", 4, 8), 4, 5f), (Sep, 0, 0f));

        var result = Run("ann rome", chunk, With("simple"));

        Assert.Equal(["PER", "LOC"], result.Groups!.Select(g => g.EntityGroup));
    }

    [Fact]
    public void Simple_LabelsWithoutPrefix_ActAsIAndTakeTheTextAfterTheFirstHyphen()
    {
        // Labels "DATE-TIME" and "PER": no B-/I- prefix, so consecutive equal labels group; the group's name is
        // label.split("-", 1)[-1], so "DATE-TIME" is named "TIME".
        string[] labels = ["O", "DATE-TIME", "PER"];
        var chunk = Chunk(3, (Cls, 0, 0f), (new(10, "noon", 0, 4), 1, 5f), (new(11, "today", 5, 10), 1, 5f), (new(12, "ann", 11, 14), 2, 5f), (Sep, 0, 0f));

        var result = Run("noon today ann", chunk, With("simple"), Bert(labels));

        Assert.Equal([("TIME", "noon today"), ("PER", "ann")], result.Groups!.Select(g => (g.EntityGroup, g.Word)));
    }

    /// <summary>
    /// One word, two tokens, labels A, B, C (no prefix). john: logits [2, 0, 1.8] (A first); ##ny: [0, 4, 3.5]
    /// (B, more confident than john's A). Averaged, C wins: (pC1 + pC2)/2 ≈ 0.40 over B's ≈ 0.34 and A's ≈ 0.26.
    /// </summary>
    private static TokenClassificationChunk Disagreeing() => new(
        [Cls, new(10, "john", 0, 4), new(11, "##ny", 4, 6), Sep],
        new float[] { 0, 0, 0, 2f, 0f, 1.8f, 0f, 4f, 3.5f, 0, 0, 0 });

    private static float[] Softmax3(float a, float b, float c)
    {
        var max = MathF.Max(a, MathF.Max(b, c));
        float ea = MathF.Exp(a - max), eb = MathF.Exp(b - max), ec = MathF.Exp(c - max);
        var sum = ea + eb + ec;
        return [ea / sum, eb / sum, ec / sum];
    }

    [Theory]
    [InlineData("first", "A")]
    [InlineData("max", "B")]
    [InlineData("average", "C")]
    public void WordAggregation_FirstMaxAverage_DisagreeAsDesigned(string strategy, string expected)
    {
        var result = Run("johnny", Disagreeing(), With(strategy), Bert(["A", "B", "C"]));

        var group = Assert.Single(result.Groups!);
        Assert.Equal((expected, "johnny", 0, 6), (group.EntityGroup, group.Word, group.Start, group.End));
        var john = Softmax3(2f, 0f, 1.8f);
        var ny = Softmax3(0f, 4f, 3.5f);
        var score = strategy switch
        {
            "first" => john[0],
            "max" => ny[1],
            _ => (john[2] + ny[2]) / 2,
        };
        Assert.Equal(score, group.Score);
    }

    [Fact]
    public void SubwordRule_WithPrefix_PunctuationIsItsOwnWord()
    {
        // WordPiece "well - known": "-" has the length of its text, so it is not a subword: three words.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "well", 0, 4), 1, 5f), (new(11, "-", 4, 5), 1, 5f), (new(12, "known", 5, 10), 1, 5f), (Sep, 0, 0f));

        var result = Run("well-known", chunk, With("first"));

        Assert.Equal(["well", "-", "known"], result.Groups!.Select(g => g.Word));
    }

    [Fact]
    public void SubwordRule_WithoutPrefix_UsesTheSpaceHeuristic()
    {
        // A Unigram-style tokenizer (no continuing_subword_prefix): a token is a subword when neither the character
        // before it nor its first character is a space, so "▁well" "-" "known" is one word, and "▁ann" another.
        var chunk = Chunk(
            5,
            (Cls, 0, 0f),
            (new(10, "▁well", 0, 4), 1, 5f),
            (new(11, "-", 4, 5), 2, 5f),
            (new(12, "known", 5, 10), 2, 5f),
            (new(13, "▁ann", 11, 14), 1, 5f),
            (Sep, 0, 0f));
        var unigram = new TokenClassifierInfo(BioLabels, 1, HasContinuingSubwordPrefix: false,
            tokens => string.Concat(tokens).Replace('▁', ' ').Trim());

        var result = Run("well-known ann", chunk, With("first"), unigram);

        Assert.Equal([("well-known", 0, 10), ("ann", 11, 14)], result.Groups!.Select(g => (g.Word, g.Start, g.End)));
    }

    [Fact]
    public void UnknownToken_WordIsTheOriginalText_AndOffsetsCountCodePoints()
    {
        // "😀 paris": the emoji is [UNK] (one code point, two UTF-16 units); paris starts at code point 2.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(1, "[UNK]", 0, 1), 1, 5f), (new(14, "paris", 2, 7), 3, 5f), (Sep, 0, 0f));

        var result = Run("😀 paris", chunk, TokenClassificationParameters.Default);

        Assert.Equal([("😀", 0, 1), ("paris", 2, 7)], result.Tokens!.Select(t => (t.Word, t.Start, t.End)));
    }

    [Fact]
    public void UnknownToken_IsNeverASubword()
    {
        // "x☃": the snowman is [UNK] right after "x" (no space), yet it starts its own word.
        var chunk = Chunk(5, (Cls, 0, 0f), (new(10, "x", 0, 1), 1, 5f), (new(1, "[UNK]", 1, 2), 1, 5f), (Sep, 0, 0f));

        var result = Run("x☃", chunk, With("first"));

        Assert.Equal(["x", "☃"], result.Groups!.Select(g => g.Word));
    }

    [Fact]
    public void Stride_OverlappingEntities_KeepTheLongerThenTheMoreConfident()
    {
        // Window 1 ends at "paris" (LOC 16..21); window 2 sees "paris france" (B-LOC I-LOC, 16..28). Both start at
        // 16: the longer one is kept.
        var w1 = Chunk(5, (Cls, 0, 0f), (new(13, "in", 13, 15), 0, 5f), (new(14, "paris", 16, 21), 3, 5f), (Sep, 0, 0f));
        var w2 = Chunk(5, (Cls, 0, 0f), (new(14, "paris", 16, 21), 3, 6f), (new(15, "france", 22, 28), 4, 6f), (Sep, 0, 0f));
        var parameters = With("simple");

        var result = TokenClassificationPostProcessor.Run("johnny lives in paris france", [w1, w2], Bert(), parameters);

        var group = Assert.Single(result.Groups!);
        Assert.Equal(("LOC", "paris france", 16, 28), (group.EntityGroup, group.Word, group.Start, group.End));
    }

    [Fact]
    public void Stride_EqualSpans_TheHigherScoreWins()
    {
        var w1 = Chunk(5, (Cls, 0, 0f), (new(14, "paris", 16, 21), 3, 5f), (Sep, 0, 0f));
        var w2 = Chunk(5, (Cls, 0, 0f), (new(14, "paris", 16, 21), 3, 6f), (Sep, 0, 0f));

        var result = TokenClassificationPostProcessor.Run("johnny lives in paris", [w1, w2], Bert(), With("simple"));

        Assert.Equal(Hot(6f, 5, 3), Assert.Single(result.Groups!).Score);
    }

    [Fact]
    public void LogitsNotMatchingTheLabels_AreRefused()
    {
        var chunk = new TokenClassificationChunk([Cls, new(10, "a", 0, 1), Sep], new float[7]);

        var e = Assert.Throws<EngineException>(() => Run("a", chunk, TokenClassificationParameters.Default));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }
}
