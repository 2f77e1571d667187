using CsCheck;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Testing.Properties;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// <c>tokenizer.json</c> loading (the model, normalizers, pre-tokenizers, decoders, post-processors, added tokens) on
/// random and damaged JSON: nothing but <see cref="EngineException"/> escapes, whether loading, encoding or decoding.
/// </summary>
public sealed class HfTokenizerPropertyTests
{
    private const long AllocationBound = 64L << 20;

    private const string Sample = "Hello world <|im_start|> ü 😀 12345 \n\t  a";

    private static readonly TokenizerOptions Options = new() { RegexTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public void FromJson_RandomJson_ThrowsOnlyEngineException() =>
        PropertyCheck.Run(Mutations.RandomJson(5), LoadAndUse, PropertySeed.Value, iterations: 3000);

    [Fact]
    public void FromJson_MutatedTinyTokenizer_ThrowsOnlyEngineException() =>
        PropertyCheck.Run(Mutations.OfJson(TinyDecoderFiles.Text("tokenizer.json")), LoadAndUse, PropertySeed.Value, iterations: 1500);

    [Fact]
    public void FromJson_MutatedSentencePieceStyleTokenizer_ThrowsOnlyEngineException() =>
        PropertyCheck.Run(Mutations.OfJson(SmallSentencePiece), LoadAndUse, PropertySeed.Value, iterations: 1500);

    [Fact]
    public void FromJson_MutatedUnigramTokenizer_ThrowsOnlyEngineException() =>
        PropertyCheck.Run(Mutations.OfJson(SmallUnigram), LoadAndUse, PropertySeed.Value, iterations: 1500);

    [Fact]
    public void FromJson_DamagedPrecompiledCharsmap_ThrowsOnlyEngineException()
    {
        var original = Convert.FromBase64String(TestCharsmap.Base64());
        var gen = Gen.Select(Gen.Int[0, original.Length - 1].Array[1, 12], Gen.Byte.Array[12], Gen.Int[0, original.Length + 8], (positions, values, length) =>
        {
            var damaged = new byte[length];
            Array.Copy(original, damaged, Math.Min(length, original.Length));
            for (var i = 0; i < positions.Length; i++)
            {
                if (positions[i] < length)
                {
                    damaged[positions[i]] = values[i];
                }
            }

            return SmallUnigram.Replace("{\"type\": \"NFKC\"}", $"{{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"{Convert.ToBase64String(damaged)}\"}}", StringComparison.Ordinal);
        });
        PropertyCheck.Run(gen, json => UntrustedInput.Parse(() =>
        {
            var tokenizer = HfTokenizer.FromJson(json, options: Options);
            _ = tokenizer.Encode("ﬁx e\u0301 👨‍👩 ＡＢ ½ß \u00A0 Hello 😀", addSpecialTokens: true);
        }, AllocationBound, typeof(EngineException)), PropertySeed.Value, iterations: 1000, print: json => json);
    }

    private static void LoadAndUse(string json) => UntrustedInput.Parse(() =>
    {
        var tokenizer = HfTokenizer.FromJson(json, options: Options);
        var ids = tokenizer.Encode(Sample, addSpecialTokens: true);
        _ = tokenizer.Decode(ids, skipSpecialTokens: false);
    }, AllocationBound, typeof(EngineException));

    /// <summary>A small Metaspace / byte-fallback tokenizer in the Llama 2 layout.</summary>
    private const string SmallSentencePiece = """
        {
          "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true}],
          "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
          "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\s+(?!\\S)|\\w+"}, "behavior": "Isolated", "invert": false},
          "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
          "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
          "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true,
            "vocab": {"<unk>": 0, "<s>": 1, "<0x41>": 2, "▁": 3, "H": 4, "e": 5, "l": 6, "o": 7, "He": 8, "ll": 9, "▁H": 10},
            "merges": ["H e", "l l", "▁ H"]}
        }
        """;

    /// <summary>A small T5-style Unigram tokenizer: Metaspace, byte fallback, a duplicated piece, "$A &lt;/s&gt;".</summary>
    private const string SmallUnigram = """
        {
          "added_tokens": [{"id": 0, "content": "<pad>", "special": true}, {"id": 1, "content": "</s>", "special": true}, {"id": 2, "content": "<unk>", "special": true}],
          "normalizer": {"type": "NFKC"},
          "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}]},
          "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [], "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
          "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}]},
          "model": {"type": "Unigram", "unk_id": 2, "byte_fallback": true,
            "vocab": [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["▁", -2.0], ["H", -5.5], ["e", -4.0], ["l", -4.5], ["o", -4.2], ["He", -3.0],
              ["ll", -6.0], ["▁H", -1.0], ["llo", -2.5], ["<0xF0>", -9.0], ["<0x9F>", -9.0], ["<0x98>", -9.0], ["<0x80>", -9.0], ["e", -1.0]]}
        }
        """;
}
