using System.Runtime.InteropServices;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// Compares <see cref="HfTokenizer"/> with Hugging Face's own Rust tokenizers (through <c>Tokenizers.DotNet</c>, which
/// reads the same <c>tokenizer.json</c>) on a few hundred awkward texts, for every tokenizer style we support: ids
/// with and without the post-processor's special tokens, decoded text, and the decoding of every id list cut short by
/// one token (which often ends inside a UTF-8 character). The oracle always adds special tokens and always skips them
/// when decoding; <c>addSpecialTokens: false</c> is compared against the same file without its post-processor.
/// </summary>
public sealed class HfTokenizerOracleTests
{
    public static TheoryData<string> Styles { get; } =
    [
        "gpt2", "gpt2-array-merges", "llama3", "qwen2", "possessive-regex-stripped-tokens",
        "llama2", "mistral", "mistral-split-always", "mistral-never", "gemma",
    ];

    private static string Json(string style) => style switch
    {
        "gpt2" => TestTokenizerFiles.Gpt2(),
        "gpt2-array-merges" => TestTokenizerFiles.Gpt2ArrayMerges(),
        "llama3" => TestTokenizerFiles.Llama3Style(),
        "qwen2" => TestTokenizerFiles.Qwen2Style(),
        "possessive-regex-stripped-tokens" => TestTokenizerFiles.PossessiveWithStrippedTokens(),
        "llama2" => TestTokenizerFiles.Llama2Style(),
        "mistral" => TestTokenizerFiles.MistralStyle(),
        "mistral-split-always" => TestTokenizerFiles.MistralStyle(split: true, scheme: "always"),
        "mistral-never" => TestTokenizerFiles.MistralStyle(split: false, scheme: "never"),
        "gemma" => TestTokenizerFiles.GemmaStyle(),
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    [Theory]
    [MemberData(nameof(Styles))]
    public void Encode_ManyTexts_EqualsHuggingFaceTokenizers(string style)
    {
        SkipUnlessOracleRuns();
        var folder = TestTokenizerFiles.NewTempFolder($"hf-oracle-{style}");
        try
        {
            foreach (var withPostProcessor in new[] { true, false })
            {
                var json = withPostProcessor ? Json(style) : TestTokenizerFiles.WithoutPostProcessor(Json(style));
                var path = Path.Combine(folder, $"tokenizer-{withPostProcessor}.json");
                File.WriteAllText(path, json);
                var ours = HfTokenizer.FromJson(json);
                using var oracle = new Tokenizers.DotNet.Tokenizer(path);

                var failures = new List<string>();
                foreach (var text in TestTokenizerFiles.Texts)
                {
                    var expected = ToInts(oracle.Encode(text));
                    var actual = ours.Encode(text, addSpecialTokens: withPostProcessor);
                    if (!actual.AsSpan().SequenceEqual(expected))
                    {
                        failures.Add($"encode {Show(text)}: ours [{string.Join(',', actual)}], HF [{string.Join(',', expected)}]");
                        continue;
                    }

                    var decoded = ours.Decode(actual, skipSpecialTokens: true);
                    var expectedText = oracle.Decode(ToUInts(expected));
                    if (decoded != expectedText)
                    {
                        failures.Add($"decode {Show(text)}: ours {Show(decoded)}, HF {Show(expectedText)}");
                    }

                    if (expected.Length > 1)
                    {
                        var cut = expected[..^1];
                        var ourPrefix = ours.Decode(cut, skipSpecialTokens: true);
                        var hfPrefix = oracle.Decode(ToUInts(cut));
                        if (ourPrefix != hfPrefix)
                        {
                            failures.Add($"decode prefix {Show(text)}: ours {Show(ourPrefix)}, HF {Show(hfPrefix)}");
                        }
                    }
                }

                Assert.True(failures.Count == 0, $"{style} (post-processor: {withPostProcessor}), {failures.Count} of {TestTokenizerFiles.Texts.Count} texts differ:\n{string.Join('\n', failures.Take(10))}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    internal static void SkipUnlessOracleRuns() => Assert.SkipUnless(
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.ProcessArchitecture == Architecture.X64,
        "The Hugging Face oracle (Tokenizers.DotNet) is only referenced with its linux-x64 native library.");

    private static int[] ToInts(uint[] ids) => Array.ConvertAll(ids, id => (int)id);

    private static uint[] ToUInts(int[] ids) => Array.ConvertAll(ids, id => (uint)id);

    private static string Show(string text) => "\"" + text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
