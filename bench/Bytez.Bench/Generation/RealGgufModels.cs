using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.LlamaCpp.Gguf;
using Bytez.Testing.TinyModels;
using LLama;
using LLama.Native;

namespace Bytez.Bench.Generation;

/// <summary>The shape of a real model, written with random weights: architecture keys, sizes, vocabulary size.</summary>
/// <param name="Name">The name used on the command line and in file names (<c>smollm2-135m</c>).</param>
/// <param name="Architecture">The GGUF architecture (<c>llama</c>, <c>qwen2</c>), also the prefix of its keys.</param>
/// <param name="PreTokenizer">The <c>tokenizer.ggml.pre</c> the real model's GGUF carries.</param>
internal sealed record RealGgufShape(
    string Name, string Architecture, string PreTokenizer, int Layers, int Hidden, int Intermediate, int Heads, int KeyValueHeads,
    int Vocabulary, float RopeTheta, float RmsEpsilon, bool QkvBias, int ContextLength)
{
    /// <summary><c>HuggingFaceTB/SmolLM2-135M</c>: Llama, 30 layers, hidden 576, 9 heads / 3 KV heads, tied embeddings.</summary>
    public static RealGgufShape SmolLm2_135M { get; } = new(
        "smollm2-135m", "llama", "smollm", Layers: 30, Hidden: 576, Intermediate: 1536, Heads: 9, KeyValueHeads: 3,
        Vocabulary: 49_152, RopeTheta: 100_000f, RmsEpsilon: 1e-5f, QkvBias: false, ContextLength: 2048);

    /// <summary>
    /// <c>Qwen/Qwen2.5-0.5B</c>: Qwen2, 24 layers, hidden 896, 14 heads / 2 KV heads, q/k/v biases, tied embeddings, its
    /// real trained context of 32,768 (the engine keeps 4,096 per sequence, its <c>MaxContextLength</c>).
    /// </summary>
    public static RealGgufShape Qwen25_05B { get; } = new(
        "qwen2.5-0.5b", "qwen2", "qwen2", Layers: 24, Hidden: 896, Intermediate: 4864, Heads: 14, KeyValueHeads: 2,
        Vocabulary: 151_936, RopeTheta: 1_000_000f, RmsEpsilon: 1e-6f, QkvBias: true, ContextLength: 32_768);

    /// <summary>Every shape, by <see cref="Name"/>.</summary>
    public static IReadOnlyList<RealGgufShape> All { get; } = [SmolLm2_135M, Qwen25_05B];

    /// <summary>Parameters, tied embedding counted once.</summary>
    public long ParameterCount
    {
        get
        {
            long d = Hidden, kv = d / Heads * KeyValueHeads;
            long perLayer = (2 * d) + (d * d) + (2 * d * kv) + (d * d) + (3 * d * Intermediate) + (QkvBias ? d + (2 * kv) : 0);
            return ((long)Vocabulary * d) + d + (Layers * perLayer);
        }
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"`{Architecture}`, {Layers} layers, hidden {Hidden}, FFN {Intermediate}, {Heads} heads / {KeyValueHeads} KV heads, vocabulary {Vocabulary:N0}, " +
        $"rope θ {RopeTheta:G}, {(QkvBias ? "q/k/v biases, " : string.Empty)}tied embeddings, {ParameterCount / 1e6:F1} M parameters");
}

/// <summary>
/// Random-weight GGUF models of real shapes (<see cref="RealGgufShape"/>): written as F16 by a streaming GGUF writer
/// (norms and biases F32, as llama.cpp's converter keeps 1-D tensors), then quantized to Q8_0 and Q4_K_M by llama.cpp's
/// own quantizer through <see cref="LLamaQuantizer"/>. Files go to a cache folder and are reused when present.
/// Vocabulary: GPT-2's real byte-level BPE tokens and merges, cut or padded (with <c>[PADn]</c> tokens) to the shape's
/// size, plus <c>&lt;|endoftext|&gt;</c>,
/// <c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c> as control tokens.
/// </summary>
internal static class RealGgufModels
{
    /// <summary>
    /// Bump when the written files change, so stale caches are not reused. v3: the padding tokens are NORMAL, not UNUSED
    /// (v2's random Qwen-shaped model generated padding first, which detokenizes to nothing, so the server's first text
    /// came several tokens late and its time to first token was not comparable with the other rows'). v4: the Qwen shape
    /// has its real context (32,768): a generated padding token's text re-tokenizes into several tokens, and the chat's
    /// second turn outgrew 2,048.
    /// </summary>
    private const string Version = "v4";

    /// <summary>
    /// Standard deviation of the random token embedding (the head is tied to it), with the attention output and FFN
    /// down projections scaled by 1/√(2 × layers). A probe on the SmolLM2 shape, q8_0, greedy, 16 ids after two short
    /// text prompts, counted the distinct ids: embedding at 1, unscaled (v1) 1 and 1 (one id repeated); 0.01: 3 and 9;
    /// 0.002: 6 and 3; 0.0005: 2 and 6; an untied random head (output.weight) at 0.01: 6 and 10. Varied, but in runs of
    /// repeats: the greedy-equality check of engine vs direct compares a sequence that changes, not a rich one.
    /// </summary>
    internal const float EmbeddingStd = 0.002f;

    private const int TypeNormal = 1, TypeControl = 3;
    private const uint GgmlF32 = 0, GgmlF16 = 1;
    private const int Alignment = 32;

    /// <summary>The quantizations measured, by command-line name.</summary>
    public static IReadOnlyDictionary<string, LLamaFtype> Quantizations { get; } = new Dictionary<string, LLamaFtype>(StringComparer.OrdinalIgnoreCase)
    {
        ["f16"] = LLamaFtype.MOSTLY_F16,
        ["q8_0"] = LLamaFtype.MOSTLY_Q8_0,
        ["q4_k_m"] = LLamaFtype.MOSTLY_Q4_K_M,
    };

    /// <summary>The GGUF file of <paramref name="shape"/> in <paramref name="quant"/> under <paramref name="cache"/>, written if missing.</summary>
    public static string Ensure(string cache, RealGgufShape shape, string quant, int threads, Action<string> log)
    {
        var folder = Path.Combine(cache, "real-gguf-" + Version);
        Directory.CreateDirectory(folder);
        var f16 = Path.Combine(folder, $"{shape.Name}-f16.gguf");
        if (!File.Exists(f16))
        {
            log($"Writing {f16} (random F16 weights, {shape.Describe()})...");
            var temp = f16 + ".part";
            WriteF16(temp, shape);
            File.Move(temp, f16, overwrite: true);
        }

        if (quant.Equals("f16", StringComparison.OrdinalIgnoreCase))
        {
            return f16;
        }

        var ftype = Quantizations.TryGetValue(quant, out var t) ? t : throw new ArgumentException($"Unknown quantization '{quant}'; expected one of {string.Join(", ", Quantizations.Keys)}.");
        var target = Path.Combine(folder, $"{shape.Name}-{quant.ToLowerInvariant()}.gguf");
        if (!File.Exists(target))
        {
            log($"Quantizing to {target} with llama.cpp's quantizer ({ftype})...");
            var temp = target + ".part";
            NativeApi.llama_empty_call(); // loads LLamaSharp's native library (the quantizer's own calls do not)
            if (!LLamaQuantizer.Quantize(f16, temp, ftype, threads))
            {
                throw new InvalidOperationException($"llama.cpp could not quantize {f16} to {ftype}.");
            }

            File.Move(temp, target, overwrite: true);
        }

        return target;
    }

    /// <summary>Writes the F16 model, one tensor at a time (never the whole model in memory).</summary>
    public static void WriteF16(string path, RealGgufShape shape)
    {
        var metadata = new List<(string Key, object Value)>();
        var a = shape.Architecture;
        int d = shape.Hidden, headDim = d / shape.Heads, kv = headDim * shape.KeyValueHeads, ff = shape.Intermediate;
        metadata.Add(("general.architecture", a));
        metadata.Add(("general.name", $"bytez-random-{shape.Name}"));
        metadata.Add(("general.file_type", 1u)); // MOSTLY_F16
        metadata.Add(($"{a}.context_length", (uint)shape.ContextLength));
        metadata.Add(($"{a}.embedding_length", (uint)d));
        metadata.Add(($"{a}.block_count", (uint)shape.Layers));
        metadata.Add(($"{a}.feed_forward_length", (uint)ff));
        metadata.Add(($"{a}.attention.head_count", (uint)shape.Heads));
        metadata.Add(($"{a}.attention.head_count_kv", (uint)shape.KeyValueHeads));
        metadata.Add(($"{a}.attention.layer_norm_rms_epsilon", shape.RmsEpsilon));
        metadata.Add(($"{a}.rope.freq_base", shape.RopeTheta));
        if (a == "llama")
        {
            metadata.Add(($"{a}.rope.dimension_count", (uint)headDim));
            metadata.Add(($"{a}.vocab_size", (uint)shape.Vocabulary));
        }

        var (tokens, types, merges) = Vocabulary(shape.Vocabulary);
        int eos = tokens.IndexOf(Gpt2Vocabulary.EndOfText), imStart = tokens.IndexOf(GgufModelWriter.ImStart), imEnd = tokens.IndexOf(GgufModelWriter.ImEnd);
        metadata.Add(("tokenizer.ggml.model", "gpt2"));
        metadata.Add(("tokenizer.ggml.pre", shape.PreTokenizer));
        metadata.Add(("tokenizer.ggml.tokens", tokens));
        metadata.Add(("tokenizer.ggml.token_type", types));
        metadata.Add(("tokenizer.ggml.merges", merges));
        metadata.Add(("tokenizer.ggml.bos_token_id", (uint)eos));
        metadata.Add(("tokenizer.ggml.eos_token_id", (uint)imEnd));
        metadata.Add(("tokenizer.ggml.eot_token_id", (uint)imEnd));
        metadata.Add(("tokenizer.ggml.padding_token_id", (uint)eos));
        metadata.Add(("tokenizer.ggml.add_bos_token", false));
        metadata.Add(("tokenizer.chat_template", GgufModelWriter.ChatMLTemplate));
        _ = imStart;

        // name, ggml dimensions, type, standard deviation (0: ones)
        var tensors = new List<(string Name, long[] Dims, uint Type, float Std)>
        {
            // Tied head: an embedding at 1 made greedy decoding repeat one token; tiny beside the layers' sum it does not
            // (RMSNorm still hands the first layer the token's direction), see EmbeddingStd.
            ("token_embd.weight", [d, shape.Vocabulary], GgmlF16, EmbeddingStd),
            ("output_norm.weight", [d], GgmlF32, 0f),
        };
        float s = 1f / MathF.Sqrt(d);
        float residual = 1f / MathF.Sqrt(2 * shape.Layers); // the projections that write into the residual stream, as GPT-2
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            string p = string.Create(CultureInfo.InvariantCulture, $"blk.{layer}.");
            tensors.Add((p + "attn_norm.weight", [d], GgmlF32, 0f));
            tensors.Add((p + "attn_q.weight", [d, d], GgmlF16, s));
            tensors.Add((p + "attn_k.weight", [d, kv], GgmlF16, s));
            tensors.Add((p + "attn_v.weight", [d, kv], GgmlF16, s));
            if (shape.QkvBias)
            {
                tensors.Add((p + "attn_q.bias", [d], GgmlF32, 0.02f));
                tensors.Add((p + "attn_k.bias", [kv], GgmlF32, 0.02f));
                tensors.Add((p + "attn_v.bias", [kv], GgmlF32, 0.02f));
            }

            tensors.Add((p + "attn_output.weight", [d, d], GgmlF16, s * residual));
            tensors.Add((p + "ffn_norm.weight", [d], GgmlF32, 0f));
            tensors.Add((p + "ffn_gate.weight", [d, ff], GgmlF16, s));
            tensors.Add((p + "ffn_up.weight", [d, ff], GgmlF16, s));
            tensors.Add((p + "ffn_down.weight", [ff, d], GgmlF16, residual / MathF.Sqrt(ff)));
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(w, key);
            WriteValue(w, value);
        }

        long offset = 0;
        foreach (var (name, dims, type, _) in tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var dim in dims)
            {
                w.Write((ulong)dim);
            }

            w.Write(type);
            w.Write((ulong)offset);
            offset = Align(offset + (Count(dims) * (type == GgmlF16 ? 2 : 4)));
        }

        w.Flush();
        Pad(w, stream.Position);
        long start = stream.Position;
        var random = new Random(1234);
        var floats = new float[1 << 16];
        var halves = new Half[1 << 16];
        foreach (var (_, dims, type, std) in tensors)
        {
            Pad(w, stream.Position - start);
            for (long left = Count(dims); left > 0;)
            {
                int n = (int)Math.Min(left, floats.Length);
                for (int i = 0; i < n; i++)
                {
                    floats[i] = std == 0f ? 1f : ((random.NextSingle() * 2f) - 1f) * std * 1.7320508f; // uniform, standard deviation `std`
                }

                if (type == GgmlF16)
                {
                    for (int i = 0; i < n; i++)
                    {
                        halves[i] = (Half)floats[i];
                    }

                    w.Write(MemoryMarshal.AsBytes(halves.AsSpan(0, n)));
                }
                else
                {
                    w.Write(MemoryMarshal.AsBytes(floats.AsSpan(0, n)));
                }

                left -= n;
            }
        }

        Pad(w, stream.Position - start);
    }

    /// <summary>
    /// GPT-2's tokens (end-of-text aside) cut to fit, then the three control tokens, then padding as NORMAL tokens (no
    /// merge makes them, so text never tokenizes to them; generated, they detokenize to their own text, as a trained
    /// model's tokens do, rather than to nothing as an UNUSED one).
    /// </summary>
    private static (List<string> Tokens, List<int> Types, List<string> Merges) Vocabulary(int size)
    {
        var gpt2 = Gpt2Vocabulary.Load();
        var normal = gpt2.Tokens.Where(t => t != Gpt2Vocabulary.EndOfText).Take(size - 3).ToList();
        var tokens = new List<string>(size);
        tokens.AddRange(normal);
        var types = Enumerable.Repeat(TypeNormal, tokens.Count).ToList();
        foreach (var control in new[] { Gpt2Vocabulary.EndOfText, GgufModelWriter.ImStart, GgufModelWriter.ImEnd })
        {
            tokens.Add(control);
            types.Add(TypeControl);
        }

        for (int i = tokens.Count; i < size; i++)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture, $"[PAD{i}]"));
            types.Add(TypeNormal);
        }

        // Only the merges whose result is a token kept (GPT-2's merges are ordered as its tokens, so a cut keeps a prefix).
        var kept = new HashSet<string>(normal, StringComparer.Ordinal);
        var merges = gpt2.Merges.Where(m => kept.Contains(m.Left) && kept.Contains(m.Right) && kept.Contains(m.Left + m.Right))
            .Select(m => m.Left + " " + m.Right).ToList();
        return (tokens, types, merges);
    }

    private static long Count(long[] dims) => dims.Aggregate(1L, (x, y) => x * y);

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w, long position)
    {
        for (long i = position; i < Align(position); i++)
        {
            w.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case string s:
                w.Write((uint)GgufValueType.String);
                WriteString(w, s);
                break;
            case uint u:
                w.Write((uint)GgufValueType.UInt32);
                w.Write(u);
                break;
            case float f:
                w.Write((uint)GgufValueType.Float32);
                w.Write(f);
                break;
            case bool b:
                w.Write((uint)GgufValueType.Bool);
                w.Write(b ? (byte)1 : (byte)0);
                break;
            case List<string> strings:
                w.Write((uint)GgufValueType.Array);
                w.Write((uint)GgufValueType.String);
                w.Write((ulong)strings.Count);
                foreach (var s in strings)
                {
                    WriteString(w, s);
                }

                break;
            case List<int> ints:
                w.Write((uint)GgufValueType.Array);
                w.Write((uint)GgufValueType.Int32);
                w.Write((ulong)ints.Count);
                foreach (var i in ints)
                {
                    w.Write(i);
                }

                break;
            default:
                throw new NotSupportedException($"GGUF value of type {value.GetType()}.");
        }
    }
}
