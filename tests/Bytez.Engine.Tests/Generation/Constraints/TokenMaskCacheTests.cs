using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Constraints;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary>
/// The fast paths of <see cref="TokenConstraint"/> against the reference path on GPT-2's real vocabulary: masks served
/// from the grammar's shared <see cref="TokenMaskCache"/> (cold and warm) and masks walked with dispatched rules
/// (<see cref="CompiledGrammar.RuleDispatch"/>) are identical, state by state, to masks walked afresh with one head per
/// alternative, which in turn agree with checking every token on its own. Generation gives the same answer either way.
/// </summary>
public sealed class TokenMaskCacheTests(ConstraintModelsFixture models) : IClassFixture<ConstraintModelsFixture>
{
    private const string ToolSchema = """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}""";

    private const string Person = "{\"name\": \"Ann \\\"Lee\\\"\", \"age\": 42, \"email\": null, \"role\": \"guest\", \"tags\": [\"a\", \"é\"], \"born\": \"2020-02-28\", \"home\": {\"city\": \"Oslo\", \"zip\": 123}, \"score\": 0.5, \"ok\": true}";

    /// <summary>A grammar and a text it accepts, whose GPT-2 tokens lead through the states compared.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "object", "{\"a\": \"x\\n\\u00e9\\\"q 日本語 😀\", \"b\": [1, -2.5e3, true, null, {}], \"c\": {\"d\": \"\"}}" },
        { "person", Person },
        { "tree", "{\"v\": 1, \"kids\": [{\"v\": 2, \"kids\": []}, {\"v\": -3, \"kids\": [{\"v\": 4, \"kids\": []}]}]}" },
        { "tool", "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Zürich\", \"days\": 3}}\n</tool_call>" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mask_CachedAndDispatched_SameAsReferenceAtEveryState(string grammarName, string text)
    {
        var tokenizer = models.Gpt2;
        var size = tokenizer.EosTokenIds.Max() + 1;
        var eos = tokenizer.EosTokenIds;
        var fast = Grammar(grammarName);
        var slow = fast.WithoutDispatch();
        Assert.Contains(fast.RuleDispatch, d => d >= 0);
        Assert.DoesNotContain(slow.RuleDispatch, d => d >= 0);

        var reference = new TokenConstraint(slow, tokenizer, size, eos, shareMasks: false);
        var cold = new TokenConstraint(fast, tokenizer, size, eos);
        var warm = new TokenConstraint(fast, tokenizer, size, eos);
        var uncached = new TokenConstraint(fast, tokenizer, size, eos, shareMasks: false);
        var cache = fast.MasksFor(TokenVocabulary.For(tokenizer, size));
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        var all = Enumerable.Range(0, size).ToArray();
        for (var step = 0; step <= ids.Length; step++)
        {
            var expected = Allowed(reference, size);
            Assert.True(expected.Count(a => a) > 0, $"Nothing allowed at step {step}");
            AssertSame(expected, Allowed(cold, size), "cold cache", step);
            var kept = cache.Count;
            AssertSame(expected, Allowed(warm, size), "warm cache", step);
            Assert.Equal(kept, cache.Count); // served from the cache, not walked again
            AssertSame(expected, Allowed(warm, size), "second mask of one step", step);
            AssertSame(expected, Allowed(uncached, size), "dispatch without cache", step);
            if (step % 3 == 0)
            {
                // The reference walk against the definition: each token checked on its own.
                AssertSame(expected, [.. all.Select(reference.Allows)], "single-token checks", step);
                AssertSame(expected, [.. all.Select(cold.Allows)], "single-token checks with dispatch", step);
            }

            if (step == ids.Length)
            {
                Assert.True(reference.IsComplete && cold.IsComplete && warm.IsComplete);
                break;
            }

            foreach (var c in new[] { reference, cold, warm, uncached })
            {
                c.Commit(ids[step]);
            }
        }
    }

    [Fact]
    public void Mask_SecondSequenceOfAGrammar_WalksNothingNew()
    {
        var tokenizer = models.Gpt2;
        var size = tokenizer.EosTokenIds.Max() + 1;
        var grammar = Grammar("person");
        var cache = grammar.MasksFor(TokenVocabulary.For(tokenizer, size));
        var ids = tokenizer.Encode(Person, addSpecialTokens: false);

        Replay(grammar, tokenizer, size, ids);
        var afterFirst = cache.Count;
        Replay(grammar, tokenizer, size, ids);

        Assert.True(afterFirst > 10, $"only {afterFirst} masks kept");
        Assert.Equal(afterFirst, cache.Count);
        Assert.InRange(cache.Bytes, 1, TokenMaskCache.MaxBytes);
    }

    [Fact]
    public void Add_BeyondTheBudget_NotKept()
    {
        var cache = new TokenMaskCache();
        var big = new ulong[TokenMaskCache.MaxBytes / sizeof(ulong) * 2 / 3];
        int[] key = [1, 2, 3];

        cache.Add(key, 3, big);
        cache.Add(key, 2, big);
        cache.Add(key, 1, big);

        Assert.Equal(1, cache.Count);
        Assert.InRange(cache.Bytes, 1, TokenMaskCache.MaxBytes);
        Assert.True(cache.TryGet([1, 2, 3, 9], 3, out var kept));
        Assert.NotSame(big, kept);
        Assert.False(cache.TryGet(key, 2, out _));
    }

    [Theory]
    [InlineData("gguf", false)]
    [InlineData("gguf", true)]
    [InlineData("onnx", true)]
    public async Task Generate_SameAnswerWithColdWarmAndReferenceMasks(string runtime, bool sample)
    {
        IGenerativeInstance model = runtime == "gguf" ? models.Gguf : models.Onnx;
        var fast = Grammar("person");
        var prompt = model.Tokenizer.Encode("Describe a user:", addSpecialTokens: true);
        using var json = JsonDocument.Parse($$"""{"max_new_tokens": 400, "do_sample": {{(sample ? "true" : "false")}}, "seed": 11}""");
        var settings = GenerationSettings.Parse(json.RootElement, model.Defaults, model.VocabularySize);

        var cold = await Generate(model, prompt, settings with { OutputGrammar = fast });
        var warm = await Generate(model, prompt, settings with { OutputGrammar = fast });
        var reference = await Generate(model, prompt, settings with { OutputGrammar = fast.WithoutDispatch() });

        Assert.Equal(reference, cold);
        Assert.Equal(reference, warm);
        Assert.StartsWith("{", reference.TrimStart(), StringComparison.Ordinal);
    }

    private static async Task<string> Generate(IGenerativeInstance model, int[] prompt, GenerationSettings settings)
    {
        var text = new StringBuilder();
        await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings, cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(piece.Text);
        }

        return text.ToString();
    }

    private static void Replay(CompiledGrammar grammar, ITextTokenizer tokenizer, int size, int[] ids)
    {
        var constraint = new TokenConstraint(grammar, tokenizer, size, tokenizer.EosTokenIds);
        var scores = new float[size];
        foreach (var id in ids)
        {
            constraint.Mask(scores);
            constraint.Commit(id);
        }
    }

    private static bool[] Allowed(TokenConstraint constraint, int size)
    {
        var scores = new float[size];
        constraint.Mask(scores);
        return [.. scores.Select(s => !float.IsNegativeInfinity(s))];
    }

    private static void AssertSame(bool[] expected, bool[] actual, string what, int step)
    {
        var differ = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).Take(5).ToArray();
        Assert.True(differ.Length == 0, $"{what} differs at step {step} for tokens {string.Join(", ", differ)}");
    }

    private static CompiledGrammar Grammar(string name)
    {
        switch (name)
        {
            case "object":
                return GrammarPattern.JsonObject().Compile();
            case "person":
                return GrammarMatcherTests.Schema(TokenConstraintTests.PersonSchema);
            case "tree":
                return GrammarMatcherTests.Schema(TokenConstraintTests.TreeSchema);
            default:
                using (var schema = JsonDocument.Parse(ToolSchema))
                {
                    return GrammarPattern.AnyOf(
                        GrammarPattern.ToolCall("<tool_call>\n{\"name\": \"weather\", \"arguments\": ", schema.RootElement, "}\n</tool_call>"),
                        GrammarPattern.ToolCall("<tool_call>\n{\"name\": \"time\", \"arguments\": ", schema.RootElement, "}\n</tool_call>")).Compile();
                }
        }
    }
}
