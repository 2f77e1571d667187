using System.Globalization;

namespace Bytez.Testing.TinyModels;

/// <summary>Which vocabulary a tiny GGUF model gets.</summary>
public enum GgufVocabularyKind
{
    /// <summary>A small SentencePiece-style <c>llama</c> vocabulary (~400 tokens, byte fallback): fast to write and load.</summary>
    SentencePiece,

    /// <summary>The real GPT-2 byte-level BPE vocabulary (<c>gpt2</c>, 50 257 tokens plus chat markers): slower, ~15 MB.</summary>
    Gpt2,
}

/// <summary>The shape of a tiny random-weight GGUF <c>llama</c> model.</summary>
public sealed record GgufTinyOptions
{
    /// <summary>The seed of the random weights; the same seed writes the same file.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Transformer blocks (<c>llama.block_count</c>).</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Hidden size (<c>llama.embedding_length</c>); a multiple of <see cref="Heads"/>.</summary>
    public int EmbeddingLength { get; init; } = 64;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads (grouped-query attention when fewer than <see cref="Heads"/>).</summary>
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>Feed-forward size.</summary>
    public int FeedForwardLength { get; init; } = 128;

    /// <summary>The trained context length written as <c>llama.context_length</c>.</summary>
    public int ContextLength { get; init; } = 512;

    /// <summary>Which vocabulary to write.</summary>
    public GgufVocabularyKind Vocabulary { get; init; } = GgufVocabularyKind.SentencePiece;

    /// <summary>The <c>tokenizer.chat_template</c> to write; <see langword="null"/> writes none.</summary>
    public string? ChatTemplate { get; init; } = GgufModelWriter.ChatMLTemplate;

    /// <summary>Give the model its own <c>output.weight</c> (the default); otherwise the output is tied to the embedding.</summary>
    public bool SeparateOutput { get; init; } = true;
}

/// <summary>What was written: the file and the facts tests check against.</summary>
public sealed record GgufTinyModel
{
    /// <summary>The GGUF file.</summary>
    public required string Path { get; init; }

    /// <summary>The vocabulary, by id, as written to <c>tokenizer.ggml.tokens</c>.</summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary>The BOS id.</summary>
    public required int BosTokenId { get; init; }

    /// <summary>The EOS id.</summary>
    public required int EosTokenId { get; init; }

    /// <summary>The id of <c>&lt;|im_start|&gt;</c>.</summary>
    public required int ImStartTokenId { get; init; }

    /// <summary>The id of <c>&lt;|im_end|&gt;</c> (also written as the end-of-turn token).</summary>
    public required int ImEndTokenId { get; init; }

    /// <summary>The metadata keys, in the order written.</summary>
    public required IReadOnlyList<string> MetadataKeys { get; init; }

    /// <summary>The tensors: name and dimensions (ggml order).</summary>
    public required IReadOnlyList<(string Name, long[] Dimensions)> Tensors { get; init; }

    /// <summary>The sum of all tensors' element counts.</summary>
    public long ParameterCount => Tensors.Sum(t => t.Dimensions.Aggregate(1L, (a, b) => a * b));

    /// <summary>The options the model was written with.</summary>
    public required GgufTinyOptions Options { get; init; }
}

/// <summary>
/// Writes tiny random-weight GGUF <c>llama</c> models that llama.cpp loads (see <c>shared/reference/tiny-models.md</c>):
/// all the required keys, token types, a ChatML-style chat template and F32 tensors.
/// </summary>
public static class GgufModelWriter
{
    /// <summary>A ChatML chat template (<c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>).</summary>
    public const string ChatMLTemplate =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>The text of the chat-turn start marker.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>The text of the chat-turn end marker.</summary>
    public const string ImEnd = "<|im_end|>";

    private const int TypeNormal = 1, TypeUnknown = 2, TypeControl = 3, TypeByte = 6;

    private static readonly string[] Words =
    [
        "Hello", "hello", "world", "the", "The", "a", "is", "of", "and", "to", "in", "you", "I", "am", "are", "how",
        "How", "what", "What", "cat", "dog", "sat", "on", "mat", "quick", "brown", "fox", "jumps", "over", "lazy",
        "user", "assistant", "system", "helpful", "model", "tiny", "test", "token", "text", "one", "two", "three",
    ];

    /// <summary>Writes a tiny model to <paramref name="path"/> and describes it.</summary>
    public static GgufTinyModel WriteTinyLlama(string path, GgufTinyOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new GgufTinyOptions();
        if (options.EmbeddingLength % options.Heads != 0 || options.Heads % options.KeyValueHeads != 0)
        {
            throw new ArgumentException("EmbeddingLength must be a multiple of Heads, and Heads of KeyValueHeads.", nameof(options));
        }

        var writer = new GgufWriter();
        int d = options.EmbeddingLength, headDim = d / options.Heads, kv = headDim * options.KeyValueHeads;
        writer.Add("general.architecture", "llama")
            .Add("general.name", "bytez-tiny-llama")
            .Add("general.file_type", 0u)
            .Add("llama.context_length", (uint)options.ContextLength)
            .Add("llama.embedding_length", (uint)d)
            .Add("llama.block_count", (uint)options.Layers)
            .Add("llama.feed_forward_length", (uint)options.FeedForwardLength)
            .Add("llama.attention.head_count", (uint)options.Heads)
            .Add("llama.attention.head_count_kv", (uint)options.KeyValueHeads)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("llama.rope.dimension_count", (uint)headDim)
            .Add("llama.rope.freq_base", 10000f);

        Vocabulary vocab = options.Vocabulary == GgufVocabularyKind.Gpt2 ? Gpt2Vocab() : SentencePieceVocab();
        writer.Add("llama.vocab_size", (uint)vocab.Tokens.Count)
            .Add("tokenizer.ggml.model", vocab.Model);
        if (vocab.Model == "gpt2")
        {
            writer.Add("tokenizer.ggml.pre", "gpt-2");
        }

        writer.Add("tokenizer.ggml.tokens", vocab.Tokens);
        if (vocab.Scores is not null)
        {
            writer.Add("tokenizer.ggml.scores", vocab.Scores);
        }

        writer.Add("tokenizer.ggml.token_type", vocab.Types);
        if (vocab.Merges is not null)
        {
            writer.Add("tokenizer.ggml.merges", vocab.Merges);
        }

        writer.Add("tokenizer.ggml.bos_token_id", (uint)vocab.Bos)
            .Add("tokenizer.ggml.eos_token_id", (uint)vocab.Eos)
            .Add("tokenizer.ggml.eot_token_id", (uint)vocab.ImEnd);
        if (vocab.Unknown is int unk)
        {
            writer.Add("tokenizer.ggml.unknown_token_id", (uint)unk);
        }

        writer.Add("tokenizer.ggml.add_bos_token", vocab.Model == "llama")
            .Add("tokenizer.ggml.add_eos_token", false);
        if (options.ChatTemplate is not null)
        {
            writer.Add("tokenizer.chat_template", options.ChatTemplate);
        }

        var random = new Random(options.Seed);
        int n = vocab.Tokens.Count, ff = options.FeedForwardLength;
        float s = 1f / MathF.Sqrt(d);
        writer.AddTensor("token_embd.weight", [d, n], RandomValues(random, d * n, 1f));
        writer.AddTensor("output_norm.weight", [d], Ones(d));
        if (options.SeparateOutput)
        {
            writer.AddTensor("output.weight", [d, n], RandomValues(random, d * n, 4f * s));
        }

        for (int layer = 0; layer < options.Layers; layer++)
        {
            string p = string.Create(CultureInfo.InvariantCulture, $"blk.{layer}.");
            writer.AddTensor(p + "attn_norm.weight", [d], Ones(d))
                .AddTensor(p + "attn_q.weight", [d, d], RandomValues(random, d * d, s))
                .AddTensor(p + "attn_k.weight", [d, kv], RandomValues(random, d * kv, s))
                .AddTensor(p + "attn_v.weight", [d, kv], RandomValues(random, d * kv, s))
                .AddTensor(p + "attn_output.weight", [d, d], RandomValues(random, d * d, s))
                .AddTensor(p + "ffn_norm.weight", [d], Ones(d))
                .AddTensor(p + "ffn_gate.weight", [d, ff], RandomValues(random, d * ff, s))
                .AddTensor(p + "ffn_up.weight", [d, ff], RandomValues(random, d * ff, s))
                .AddTensor(p + "ffn_down.weight", [ff, d], RandomValues(random, ff * d, 1f / MathF.Sqrt(ff)));
        }

        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        writer.Write(path);
        return new GgufTinyModel
        {
            Path = path,
            Tokens = vocab.Tokens,
            BosTokenId = vocab.Bos,
            EosTokenId = vocab.Eos,
            ImStartTokenId = vocab.ImStart,
            ImEndTokenId = vocab.ImEnd,
            MetadataKeys = writer.Keys,
            Tensors = writer.Tensors,
            Options = options,
        };
    }

    private sealed record Vocabulary(
        string Model, List<string> Tokens, List<int> Types, List<float>? Scores, List<string>? Merges,
        int Bos, int Eos, int? Unknown, int ImStart, int ImEnd);

    /// <summary>
    /// &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the chat markers, the 256 byte tokens, then single characters and ▁-prefixed
    /// words with every prefix (so SentencePiece's pair merges reach each word), scored longer-is-better.
    /// </summary>
    private static Vocabulary SentencePieceVocab()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>", ImStart, ImEnd };
        var types = new List<int> { TypeUnknown, TypeControl, TypeControl, TypeControl, TypeControl };
        var scores = new List<float> { 0, 0, 0, 0, 0 };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"));
            types.Add(TypeByte);
            scores.Add(0);
        }

        var seen = new HashSet<string>(tokens, StringComparer.Ordinal);
        void AddPiece(string piece)
        {
            if (seen.Add(piece))
            {
                tokens.Add(piece);
                types.Add(TypeNormal);
                scores.Add(-1000f + (piece.Length * 10f) - (tokens.Count * 0.001f));
            }
        }

        AddPiece("\u2581");
        foreach (char c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-:;()\"")
        {
            AddPiece(c.ToString());
        }

        foreach (string word in Words)
        {
            string full = "\u2581" + word;
            for (int len = 2; len <= full.Length; len++)
            {
                AddPiece(full[..len]);
            }
        }

        return new Vocabulary("llama", tokens, types, scores, null, Bos: 1, Eos: 2, Unknown: 0, ImStart: 3, ImEnd: 4);
    }

    /// <summary>GPT-2's real tokens and merges (<see cref="Gpt2Vocabulary"/>), then the two chat markers as control tokens.</summary>
    private static Vocabulary Gpt2Vocab()
    {
        Gpt2Vocabulary gpt2 = Gpt2Vocabulary.Load();
        var tokens = new List<string>(gpt2.Tokens.Count + 2);
        tokens.AddRange(gpt2.Tokens);
        var types = Enumerable.Repeat(TypeNormal, tokens.Count).ToList();
        types[Gpt2Vocabulary.EndOfTextId] = TypeControl;
        int imStart = tokens.Count;
        tokens.Add(ImStart);
        types.Add(TypeControl);
        int imEnd = tokens.Count;
        tokens.Add(ImEnd);
        types.Add(TypeControl);
        var merges = gpt2.Merges.Select(m => m.Left + " " + m.Right).ToList();
        return new Vocabulary("gpt2", tokens, types, null, merges,
            Bos: Gpt2Vocabulary.EndOfTextId, Eos: Gpt2Vocabulary.EndOfTextId, Unknown: null, ImStart: imStart, ImEnd: imEnd);
    }

    private static float[] RandomValues(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = ((random.NextSingle() * 2f) - 1f) * scale * 1.7320508f; // uniform with standard deviation `scale`
        }

        return values;
    }

    private static float[] Ones(int count)
    {
        var values = new float[count];
        Array.Fill(values, 1f);
        return values;
    }
}
