using System.Globalization;
using Bytez.Engine.Generation;
using Bytez.Engine.LlamaCpp;
using Bytez.Engine.Tests.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>A tiny SentencePiece GGUF loaded in llama.cpp once for the class: its tokenizer is llama.cpp's own.</summary>
public sealed class TinyGgufFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bytez-detok-" + Guid.NewGuid().ToString("N"));
    private readonly LlamaCppRuntime _runtime = new(new LlamaCppOptions { Threads = 1, SequencesPerContext = 1 });

    public LlamaCppInstance Instance { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "tiny.gguf"), new GgufTinyOptions { Layers = 1, EmbeddingLength = 32, Heads = 2, KeyValueHeads = 1, FeedForwardLength = 32, ContextLength = 128 });
        var descriptor = new ModelDescriptor { Id = "test/tiny-gguf", Task = BytezTasks.TextGeneration, Path = written.Path, Source = ModelSource.Local };
        Instance = (LlamaCppInstance)await _runtime.LoadAsync(descriptor, TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Instance?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// <see cref="IncrementalDetokenizer"/> with the real tokenizers: GPT-2's byte-level BPE and SentencePiece-style BPE
/// (byte fallback) through <see cref="HfTokenizer"/>, and llama.cpp's own SentencePiece tokenizer of a GGUF.
/// </summary>
public sealed class DetokenizerTests(TinyGgufFixture gguf) : IClassFixture<TinyGgufFixture>
{
    private static readonly Lazy<HfTokenizer> Gpt2 = new(() => HfTokenizer.FromJson(TestTokenizerFiles.Gpt2()));
    private static readonly Lazy<HfTokenizer> Llama2 = new(() => HfTokenizer.FromJson(TestTokenizerFiles.Llama2Style()));
    private static readonly Lazy<HfTokenizer> Mistral = new(() => HfTokenizer.FromJson(TestTokenizerFiles.MistralStyle()));

    public static TheoryData<string> Texts =>
    [
        "Hello world",
        " leading space",
        "  two  leading spaces",
        "naïve café résumé Zoë façade",
        "東京は日本の首都です。",
        "中文测试：你好，世界！",
        "😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸 ❤️",
        "emoji😀inside😀words",
        "𝐀𝐁𝐂 𠀀𠀁",
        "line\nbreaks\n\nand\r\nCRLF\n",
        "\n starts with a newline",
        "mixed 日本語 and émoji 🎉! The end.",
        "tabs\tand  spaces  ",
    ];

    public static TheoryData<string, string> TokenizersAndTexts
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var tokenizer in new[] { "gpt2", "llama2", "mistral", "gguf" })
            {
                foreach (var text in Texts)
                {
                    data.Add(tokenizer, text.Data);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(TokenizersAndTexts))]
    public void Add_OneByOne_PiecesPlusFlushEqualDecodeOfAllIds(string tokenizerName, string text)
    {
        var tokenizer = Tokenizer(tokenizerName);
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        var expected = tokenizer.Decode(ids, skipSpecialTokens: true);

        var pieces = Run(tokenizer, [], ids, out var flushed);

        Assert.Equal(expected, string.Concat(pieces) + flushed);
    }

    [Theory]
    [MemberData(nameof(TokenizersAndTexts))]
    public void Add_AfterAPrompt_PiecesPlusFlushEqualTheDecodedContinuation(string tokenizerName, string text)
    {
        var tokenizer = Tokenizer(tokenizerName);
        var prompt = tokenizer.Encode("The quick brown fox, über 日本", addSpecialTokens: true);
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        var promptText = tokenizer.Decode(prompt, skipSpecialTokens: true);
        var all = tokenizer.Decode([.. prompt, .. ids], skipSpecialTokens: true);
        Assert.StartsWith(promptText, all, StringComparison.Ordinal);

        var pieces = Run(tokenizer, prompt, ids, out var flushed);

        Assert.Equal(all[promptText.Length..], string.Concat(pieces) + flushed);
    }

    [Theory]
    [MemberData(nameof(TokenizersAndTexts))]
    public void Add_TextWithoutReplacementCharacters_NoPieceHasOneOrASplitSurrogate(string tokenizerName, string text)
    {
        var tokenizer = Tokenizer(tokenizerName);
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        Assert.DoesNotContain('\uFFFD', tokenizer.Decode(ids, skipSpecialTokens: true));

        var pieces = Run(tokenizer, [], ids, out var flushed);

        Assert.Equal(string.Empty, flushed);
        foreach (var piece in pieces)
        {
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.True(piece.Length == 0 || !char.IsHighSurrogate(piece[^1]), $"Piece ends with half a surrogate pair: {Escape(piece)}");
            Assert.True(piece.Length == 0 || !char.IsLowSurrogate(piece[0]), $"Piece starts with half a surrogate pair: {Escape(piece)}");
        }
    }

    [Theory]
    [InlineData("gpt2", "😀")]
    [InlineData("gpt2", "東")]
    [InlineData("gpt2", "𠀀")]
    [InlineData("llama2", "😀")]
    [InlineData("llama2", "東")]
    [InlineData("mistral", "𠀀")]
    [InlineData("gguf", "😀")]
    [InlineData("gguf", "東")]
    public void Add_MultiByteCharacterSplitAcrossTokens_EmittedWholeOnceComplete(string tokenizerName, string character)
    {
        var tokenizer = Tokenizer(tokenizerName);
        var prefix = tokenizer.Encode("ab", addSpecialTokens: false);
        var withChar = tokenizer.Encode("ab" + character, addSpecialTokens: false);
        Assert.Equal(prefix, withChar[..prefix.Length]);
        var charIds = withChar[prefix.Length..];
        Assert.True(charIds.Length > 1, $"{Escape(character)} is one token for {tokenizerName}; the test needs it split.");

        var detokenizer = new IncrementalDetokenizer(tokenizer, prefix);
        for (var i = 0; i < charIds.Length - 1; i++)
        {
            Assert.Equal(string.Empty, detokenizer.Add(charIds[i]));
        }

        Assert.Equal(character, detokenizer.Add(charIds[^1]));
        Assert.Equal(string.Empty, detokenizer.Flush());
    }

    [Fact]
    public void Flush_IncompleteCharacterAtTheEnd_RenderedAsTheTokenizerDoes()
    {
        var tokenizer = Gpt2.Value;
        var ids = tokenizer.Encode("a😀", addSpecialTokens: false);
        var cut = ids[..^1];
        var detokenizer = new IncrementalDetokenizer(tokenizer, []);
        var text = string.Concat(cut.Select(detokenizer.Add));

        Assert.Equal("a", text);
        Assert.Equal(tokenizer.Decode(cut, skipSpecialTokens: true), text + detokenizer.Flush());
    }

    [Fact]
    public void Add_SpecialToken_Skipped()
    {
        var tokenizer = Gpt2.Value;
        var hello = tokenizer.Encode("Hello", addSpecialTokens: false);
        var detokenizer = new IncrementalDetokenizer(tokenizer, []);

        Assert.Equal("Hello", string.Concat(hello.Select(detokenizer.Add)));
        Assert.Equal(string.Empty, detokenizer.Add(Gpt2Vocabulary.EndOfTextId));
        Assert.Equal(" world", string.Concat(tokenizer.Encode(" world", addSpecialTokens: false).Select(detokenizer.Add)));
    }

    private ITextTokenizer Tokenizer(string name) => name switch
    {
        "gpt2" => Gpt2.Value,
        "llama2" => Llama2.Value,
        "mistral" => Mistral.Value,
        "gguf" => gguf.Instance.Tokenizer,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static List<string> Run(ITextTokenizer tokenizer, int[] prompt, int[] ids, out string flushed)
    {
        var detokenizer = new IncrementalDetokenizer(tokenizer, prompt);
        var pieces = ids.Select(detokenizer.Add).ToList();
        flushed = detokenizer.Flush();
        return pieces;
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 128 && !char.IsControl(c) ? c.ToString() : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}")));
}
