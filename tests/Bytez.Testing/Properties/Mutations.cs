using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Bytez.Testing.Properties;

/// <summary>
/// Generators of damaged input: random bytes, mutations of a valid file (bit flips, truncation, huge counts and lengths
/// written over it, inserted and deleted ranges, protobuf varints of huge values), random JSON trees, and valid JSON
/// with random subtrees replaced. Each mutation is drawn from a seed, so it replays exactly.
/// </summary>
public static class Mutations
{
    private static readonly ulong[] Huge =
    [
        ulong.MaxValue, long.MaxValue, (ulong)long.MaxValue + 1, 1UL << 62, 4_000_000_000_000_000_000, uint.MaxValue,
        (ulong)int.MaxValue + 1, int.MaxValue, 1UL << 32, 1UL << 40, 0x7FFFFFC7, 65537, 0,
    ];

    private static readonly string[] Keys =
    [
        "type", "model", "vocab", "merges", "pattern", "Regex", "String", "content", "normalizers", "pretokenizers",
        "decoders", "normalizer", "pre_tokenizer", "decoder", "post_processor", "added_tokens", "id", "special",
        "unk_token", "byte_fallback", "ignore_merges", "single", "pair", "special_tokens", "ids", "tokens", "behavior",
        "invert", "add_prefix_space", "replacement", "prepend_scheme", "sha", "siblings", "rfilename", "size", "lfs",
        "sha256", "oid", "blobId", "gated", "config", "gguf", "tags", "pipeline_tag", "library_name", "architectures",
        "model_type", "num_hidden_layers", "hidden_size", "eos_token_id", "bos_token_id", "pad_token_id", "text_config",
    ];

    private static readonly string[] Strings =
    [
        "", "a", "Ġ", "<unk>", "(a+)+$", "[", "\\", "(?=", "\\p{", "BPE", "WordPiece", "Sequence", "Split", "ByteLevel",
        "Replace", "Metaspace", "TemplateProcessing", "Isolated", "NFC", "Strip", "Fuse", "ByteFallback", "$A", "$B",
        "../../etc/passwd", "onnx/model.onnx", "model.gguf", "config.json", "tokenizer.json", "a\u0000b", "\uD800",
        "0123456789abcdef0123456789abcdef01234567", "text-generation", "feature-extraction", "gguf", "onnx", "Q4_K_M",
    ];

    /// <summary>Random bytes, up to <paramref name="maxLength"/>, optionally starting with <paramref name="prefix"/>.</summary>
    public static Gen<byte[]> RandomBytes(int maxLength, byte[]? prefix = null) =>
        Gen.Select(Gen.Byte.Array[0, maxLength], Gen.Bool, (bytes, withPrefix) => withPrefix && prefix is not null ? [.. prefix, .. bytes] : bytes);

    /// <summary>The valid bytes with one to four random mutations.</summary>
    public static Gen<byte[]> Of(byte[] valid) => Gen.Int.Select(seed => Mutate(valid, new Random(seed)));

    /// <summary>Random JSON text (a tree up to <paramref name="depth"/> levels).</summary>
    public static Gen<string> RandomJson(int depth = 4) => Gen.Int.Select(seed => RandomNode(new Random(seed), depth)?.ToJsonString() ?? "null");

    /// <summary>The valid JSON with one to three random subtrees replaced, removed or duplicated.</summary>
    public static Gen<string> OfJson(string validJson) => Gen.Int.Select(seed => MutateJson(validJson, new Random(seed)));

    /// <summary>Applies one to four random byte mutations.</summary>
    public static byte[] Mutate(byte[] valid, Random random)
    {
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(random);
        var bytes = new List<byte>(valid);
        for (int m = random.Next(1, 5); m > 0; m--)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    Overwrite(bytes, at, BitConverter.GetBytes(Huge[random.Next(Huge.Length)]));
                    break;
                case 3:
                    Overwrite(bytes, at, BitConverter.GetBytes((uint)Huge[random.Next(Huge.Length)]));
                    break;
                case 4:
                    var inserted = new byte[random.Next(1, 64)];
                    random.NextBytes(inserted);
                    bytes.InsertRange(at, inserted);
                    break;
                case 5:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 64), bytes.Count - at));
                    break;
                default:
                    Overwrite(bytes, at, Varint(Huge[random.Next(Huge.Length)]));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Applies one to three random JSON mutations; text that is not JSON gets a random tree.</summary>
    public static string MutateJson(string validJson, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var root = JsonNode.Parse(validJson);
        for (int m = random.Next(1, 4); m > 0; m--)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            if (nodes.Count == 0)
            {
                return RandomNode(random, 3)?.ToJsonString() ?? "null";
            }

            var target = nodes[random.Next(nodes.Count)];
            var replacement = RandomNode(random, random.Next(0, 3));
            switch (target.Parent)
            {
                case JsonObject parent:
                    var name = target.GetPropertyName();
                    if (random.Next(4) == 0)
                    {
                        parent.Remove(name);
                    }
                    else
                    {
                        parent[name] = replacement;
                    }

                    break;
                case JsonArray array:
                    var index = target.GetElementIndex();
                    if (random.Next(4) == 0)
                    {
                        array.RemoveAt(index);
                    }
                    else
                    {
                        array[index] = replacement;
                    }

                    break;
                default:
                    root = replacement;
                    break;
            }
        }

        var text = root?.ToJsonString() ?? "null";
        if (random.Next(8) == 0 && text.Length > 0)
        {
            text = text[..random.Next(text.Length)];
        }

        return text;
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null || nodes.Count > 20_000)
        {
            return;
        }

        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o)
                {
                    Collect(v, nodes);
                }

                break;
            case JsonArray a:
                foreach (var v in a)
                {
                    Collect(v, nodes);
                }

                break;
        }
    }

    private static JsonNode? RandomNode(Random random, int depth)
    {
        switch (random.Next(depth > 0 ? 8 : 5))
        {
            case 0:
                return null;
            case 1:
                return JsonValue.Create(random.Next(2) == 0);
            case 2:
                return random.Next(6) switch
                {
                    0 => JsonValue.Create(-1),
                    1 => JsonValue.Create(1e308),
                    2 => JsonValue.Create(ulong.MaxValue),
                    3 => JsonValue.Create(long.MinValue),
                    4 => JsonValue.Create(0.5),
                    _ => JsonValue.Create(random.Next(-5, 300)),
                };
            case 3:
            case 4:
                return JsonValue.Create(random.Next(3) == 0 ? RandomString(random) : Strings[random.Next(Strings.Length)]);
            case 5:
            case 6:
                var obj = new JsonObject();
                for (int i = random.Next(0, 5); i > 0; i--)
                {
                    obj[Keys[random.Next(Keys.Length)]] = RandomNode(random, depth - 1);
                }

                return obj;
            default:
                var array = new JsonArray();
                for (int i = random.Next(0, 5); i > 0; i--)
                {
                    array.Add(RandomNode(random, depth - 1));
                }

                return array;
        }
    }

    private static string RandomString(Random random)
    {
        var builder = new StringBuilder();
        for (int i = random.Next(0, 12); i > 0; i--)
        {
            builder.Append((char)random.Next(0, 0x3000));
        }

        return builder.ToString();
    }

    private static void Overwrite(List<byte> bytes, int at, byte[] value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (at + i < bytes.Count)
            {
                bytes[at + i] = value[i];
            }
            else
            {
                bytes.Add(value[i]);
            }
        }
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
