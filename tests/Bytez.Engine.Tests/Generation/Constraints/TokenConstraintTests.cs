using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Constraints;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary>
/// <see cref="TokenConstraint"/> on real vocabularies: random walks through the allowed tokens always end in text that
/// parses and validates, the single-token check agrees with the full mask, and EOS is allowed exactly when complete.
/// </summary>
public sealed class TokenConstraintTests(ConstraintModelsFixture models) : IClassFixture<ConstraintModelsFixture>
{
    public const string PersonSchema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":12},
          "age":{"type":"integer"},
          "email":{"type":["string","null"],"maxLength":10},
          "role":{"enum":["admin","user","guest"]},
          "tags":{"type":"array","items":{"type":"string","maxLength":5},"maxItems":3},
          "born":{"type":"string","format":"date"},
          "home":{"anyOf":[{"type":"null"},{"type":"object","properties":{"city":{"type":"string","maxLength":8},"zip":{"type":"integer"}},"required":["city"],"additionalProperties":false}]},
          "score":{"type":"number"},
          "ok":{"type":"boolean"}},
         "required":["name","age","role","tags","home"],"additionalProperties":false}
        """;

    public const string TreeSchema = """
        {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["v","kids"],"additionalProperties":false}},
         "$ref":"#/$defs/node"}
        """;

    public static TheoryData<string, string?> Cases => new()
    {
        { "gpt2", null },
        { "gpt2", PersonSchema },
        { "gpt2", TreeSchema },
        { "sentencepiece", null },
        { "sentencepiece", PersonSchema },
        { "sentencepiece", TreeSchema },
        { "onnx", PersonSchema },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomWalks_EndInTextThatParsesAndValidates(string vocabulary, string? schema)
    {
        var (tokenizer, size) = Vocabulary(vocabulary);
        var grammar = schema is null ? GrammarPattern.JsonObject().Compile() : GrammarMatcherTests.Schema(schema);
        var eos = tokenizer.EosTokenIds;
        var closing = Enumerable.Range(0, size).Where(id => tokenizer.TokenToString(id) is { } t && (t.Contains('"') || t.Contains('}') || t.Contains(']'))).ToArray();
        var rng = new Random(1234);
        var ended = 0;
        const int Walks = 6;
        for (var w = 0; w < Walks; w++)
        {
            var constraint = new TokenConstraint(grammar, tokenizer, size, eos);
            var ids = new List<int>();
            var scores = new float[size];
            for (var step = 0; step < 400; step++)
            {
                Array.Clear(scores);
                constraint.Mask(scores);
                var allowed = Enumerable.Range(0, size).Where(i => !float.IsNegativeInfinity(scores[i])).ToArray();
                Assert.NotEmpty(allowed);
                for (var k = 0; k < 20; k++)
                {
                    var probe = rng.Next(size);
                    Assert.Equal(!float.IsNegativeInfinity(scores[probe]), constraint.Allows(probe));
                }

                Assert.Equal(constraint.IsComplete, eos.Any(e => !float.IsNegativeInfinity(scores[e])));
                int token;
                if (constraint.IsComplete && (rng.NextDouble() < 0.4 || allowed.All(eos.Contains)))
                {
                    token = eos.First(e => !float.IsNegativeInfinity(scores[e]));
                }
                else
                {
                    var closers = closing.Where(id => !float.IsNegativeInfinity(scores[id])).ToArray();
                    var pool = closers.Length > 0 && rng.NextDouble() < 0.5 ? closers : allowed.Where(a => !eos.Contains(a)).ToArray();
                    token = pool[rng.Next(pool.Length)];
                }

                Assert.True(constraint.Allows(token));
                constraint.Commit(token);
                if (eos.Contains(token))
                {
                    ended++;
                    var text = tokenizer.Decode(ids.ToArray(), skipSpecialTokens: true);
                    Assert.True(SchemaOracle.Valid(schema, text), $"Not valid: {text}");
                    break;
                }

                ids.Add(token);
            }
        }

        Assert.True(ended >= Walks / 2, $"Only {ended} of {Walks} walks ended within 400 tokens.");
    }

    [Fact]
    public void Eos_ForcedWhenNothingElseFits()
    {
        var grammar = GrammarPattern.Literal("{}").Compile();
        var tokenizer = models.Gpt2;
        var size = tokenizer.EosTokenIds.Max() + 1;
        var constraint = new TokenConstraint(grammar, tokenizer, size, tokenizer.EosTokenIds);
        var scores = new float[size];

        constraint.Mask(scores);
        var first = Enumerable.Range(0, size).Where(i => !float.IsNegativeInfinity(scores[i])).ToArray();
        Assert.All(first, id => Assert.StartsWith("{", tokenizer.Decode([id], true), StringComparison.Ordinal));
        Assert.DoesNotContain(tokenizer.EosTokenIds[0], first);

        foreach (var id in tokenizer.Encode("{}", false))
        {
            constraint.Commit(id);
        }

        Array.Clear(scores);
        constraint.Mask(scores);
        Assert.Equal([tokenizer.EosTokenIds[0]], Enumerable.Range(0, size).Where(i => !float.IsNegativeInfinity(scores[i])));
    }

    [Fact]
    public void PartialUtf8_AllowedAcrossTokens()
    {
        // "日" is three UTF-8 bytes; its first byte alone is a GPT-2 token that is allowed inside a string, after which
        // only continuation bytes fit (no closing quote, no new lead byte).
        var tokenizer = models.Gpt2;
        var size = tokenizer.EosTokenIds.Max() + 1;
        var constraint = new TokenConstraint(GrammarPattern.JsonObject().Compile(), tokenizer, size, tokenizer.EosTokenIds);
        foreach (var id in tokenizer.Encode("{\"a\": \"", false))
        {
            constraint.Commit(id);
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes("日");
        var lead = Gpt2Id(bytes[..1]);
        var rest = Gpt2Id(bytes[1..2]);
        Assert.True(constraint.Allows(lead));
        constraint.Commit(lead);
        Assert.False(constraint.Allows(Gpt2Id("\""u8.ToArray())));
        Assert.True(constraint.Allows(rest));
        Assert.False(constraint.Allows(lead));
    }

    [Fact]
    public void SpecialTokens_NeverAllowed()
    {
        var tokenizer = models.Gguf.Tokenizer;
        var size = models.Gguf.VocabularySize;
        var constraint = new TokenConstraint(GrammarPattern.JsonObject().Compile(), tokenizer, size, tokenizer.EosTokenIds);
        var scores = new float[size];
        constraint.Mask(scores);

        var specials = Enumerable.Range(0, size).Where(tokenizer.IsSpecial).ToArray();
        Assert.NotEmpty(specials);
        Assert.All(specials, id => Assert.True(float.IsNegativeInfinity(scores[id])));
        Assert.Contains(Enumerable.Range(0, size), id => !float.IsNegativeInfinity(scores[id]));
    }

    private static int Gpt2Id(byte[] bytes)
    {
        var vocabulary = Bytez.Testing.TinyModels.Gpt2Vocabulary.Load();
        for (var id = 0; id < vocabulary.Tokens.Count - 1; id++)
        {
            if (vocabulary.TokenBytes(id).AsSpan().SequenceEqual(bytes))
            {
                return id;
            }
        }

        throw new InvalidOperationException("no such token");
    }

    private (ITextTokenizer Tokenizer, int Size) Vocabulary(string name) => name switch
    {
        "gpt2" => (models.Gpt2, models.Gpt2.EosTokenIds.Max() + 1),
        "sentencepiece" => (models.Gguf.Tokenizer, models.Gguf.VocabularySize),
        _ => (models.Onnx.Tokenizer, models.Onnx.VocabularySize),
    };
}
