using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;

namespace Bytez.Testing.TinyModels;

/// <summary>The block layout of a tiny decoder written by <see cref="OnnxDecoderModelWriter"/>.</summary>
public enum OnnxDecoderArchitecture
{
    /// <summary>GPT-2: learned positions, LayerNorm, biased projections, GELU MLP, multi-head attention.</summary>
    Gpt2,

    /// <summary>Llama: rotary positions, RMSNorm, no biases, SiLU-gated MLP, grouped-query attention.</summary>
    Llama,
}

/// <summary>
/// How the weight matrices of a decoder written by <see cref="OnnxDecoderModelWriter"/> are stored: the precision variants
/// onnx-community and Xenova publish beside <c>onnx/model.onnx</c> (transformers.js <c>scripts/quantize.py</c>, ONNX
/// Runtime's quantizers). The same seed gives the same float32 weights in every variant, quantized or rounded from them.
/// Norm gains, biases, rotary tables and GPT-2's position table stay float32 in every variant.
/// </summary>
public enum OnnxDecoderWeights
{
    /// <summary>float32 (<c>model.onnx</c>, transformers.js <c>dtype</c> <c>fp32</c>).</summary>
    Float32,

    /// <summary>
    /// float16 weights with float32 compute (<c>model_fp16.onnx</c>, <c>fp16</c>): each matrix and the token embedding is a
    /// float16 initializer followed by a <c>Cast</c> to float32, so CPUs without float16 arithmetic run it as float32.
    /// </summary>
    Float16,

    /// <summary>
    /// Dynamic int8 quantization as ONNX Runtime's <c>quantize_dynamic</c> (IntegerOps, <c>MatMulConstBOnly</c>, signed
    /// weights, per tensor) writes it (<c>model_quantized.onnx</c>, <c>q8</c>; <c>model_int8.onnx</c>, <c>int8</c>): the
    /// activation goes through <c>DynamicQuantizeLinear</c> (uint8, scale, zero point), each matrix is int8 with a float
    /// scale and a zero point of 0, <c>MatMulInteger</c> gives int32, <c>Cast</c> to float and <c>Mul</c> by the product of
    /// both scales. The token embedding is int8 too, <c>Gather</c> then <c>DequantizeLinear</c>.
    /// </summary>
    Int8,

    /// <summary>
    /// 4-bit block quantization as ONNX Runtime's <c>MatMul4BitsQuantizer</c> writes it (<c>model_q4.onnx</c>, <c>q4</c>):
    /// each matrix becomes a <c>com.microsoft.MatMulNBits</c> (bits 4, block size 32 along K; <c>B</c> uint8
    /// [N, K/32, 16], two values a byte, low nibble first; <c>scales</c> float [N × K/32]; symmetric, so no zero points
    /// and 8 is the implied zero point, unless <see cref="OnnxDecoderModelOptions.Q4ZeroPoints"/>). The token embedding
    /// stays float32 (the quantizer takes MatMul nodes only).
    /// </summary>
    Q4,

    /// <summary>
    /// <see cref="Q4"/> with float16 around it (<c>model_q4f16.onnx</c>, <c>q4f16</c>): <c>MatMulNBits</c> on float16
    /// activations with float16 scales (Cast in and out), the token embedding stored as float16; the rest computes in
    /// float32 (transformers.js converts the whole graph to float16; this writer keeps the other ops float32).
    /// </summary>
    Q4F16,
}

/// <summary>What <see cref="OnnxDecoderModelWriter.Write"/> builds.</summary>
public sealed record OnnxDecoderModelOptions
{
    /// <summary>The block layout (default GPT-2).</summary>
    public OnnxDecoderArchitecture Architecture { get; init; } = OnnxDecoderArchitecture.Gpt2;

    /// <summary>Whether the graph takes and returns a key/value cache (<c>past_key_values.*</c> / <c>present.*</c>); without it, full recomputation.</summary>
    public bool KeyValueCache { get; init; } = true;

    /// <summary>Write an Optimum merged decoder: file <c>decoder_model_merged.onnx</c> with a <c>use_cache_branch</c> bool [1] input (one graph serves both branches).</summary>
    public bool Merged { get; init; }

    /// <summary>
    /// The file name under <c>onnx/</c>; <see langword="null"/> means <c>model.onnx</c> (or <c>decoder_model_merged.onnx</c>)
    /// with the suffix of <see cref="Weights"/> (<c>model_q4.onnx</c>, ...).
    /// </summary>
    public string? FileName { get; init; }

    /// <summary>How the weight matrices are stored (default float32).</summary>
    public OnnxDecoderWeights Weights { get; init; } = OnnxDecoderWeights.Float32;

    /// <summary>Asymmetric 4-bit quantization with a <c>zero_points</c> input (uint8, two a byte) for <see cref="OnnxDecoderWeights.Q4"/> and <see cref="OnnxDecoderWeights.Q4F16"/>.</summary>
    public bool Q4ZeroPoints { get; init; }

    /// <summary>
    /// The standard deviation of the random token embedding (default 1). A small value (0.02, transformers' initializer
    /// range) keeps the embedding from dominating the residual stream, so greedy decoding of tied random weights does not
    /// repeat the last token.
    /// </summary>
    public float EmbeddingStd { get; init; } = 1f;

    /// <summary>
    /// A factor on the random weights of the projections that write into the residual stream (attention output and
    /// MLP down projection; default 1). GPT-2 initializes them at 1/√(2 × layers), so that a deep stack of random
    /// layers does not drown the token's own embedding and greedy decoding of random weights varies with the input.
    /// </summary>
    public float ResidualOutputScale { get; init; } = 1f;

    /// <summary>Keep the cache and the logits in float16 at the graph's edge (as fp16 exports do); the math stays float32.</summary>
    public bool Float16Io { get; init; }

    /// <summary>The seed of the random weights.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Transformer layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Model width.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Query heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads; <see langword="null"/> means <see cref="Heads"/> for GPT-2 and half of them for Llama.</summary>
    public int? KeyValueHeads { get; init; }

    /// <summary>The MLP's inner width; <see langword="null"/> means 4 × <see cref="Hidden"/> for GPT-2 and 2 × for Llama.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary>
    /// The vocabulary (logits per position); <see langword="null"/> means the tiny tokenizer's own size. A larger value pads
    /// the tokenizer with unreachable tokens <c>&lt;|extra_N|&gt;</c>, to reach a real model's shape.
    /// </summary>
    public int? VocabularySize { get; init; }

    /// <summary>Tie the output projection to the token embedding (<c>lm_head</c> = the embedding transposed), as SmolLM2 does.</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>Positions (<c>n_positions</c> / <c>max_position_embeddings</c>).</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>The chat template written to <c>tokenizer_config.json</c> (<see cref="OnnxDecoderModelWriter.ChatTemplate"/>, ChatML, by default).</summary>
    public string ChatTemplate { get; init; } = OnnxDecoderModelWriter.ChatTemplate;
}

/// <summary>A tiny decoder folder written by <see cref="OnnxDecoderModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="OnnxPath">The ONNX file.</param>
/// <param name="VocabularySize">Logits per position (the tokenizer's size).</param>
/// <param name="Options">What was built.</param>
public sealed record OnnxDecoderModel(string Folder, string OnnxPath, int VocabularySize, OnnxDecoderModelOptions Options)
{
    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (BOS and EOS).</summary>
    public int EndOfTextId => OnnxDecoderModelWriter.EndOfTextId;

    /// <summary>The id of <c>&lt;|im_start|&gt;</c>.</summary>
    public int ImStartId => OnnxDecoderModelWriter.ImStartId;

    /// <summary>The id of <c>&lt;|im_end|&gt;</c> (an EOS of the generation config).</summary>
    public int ImEndId => OnnxDecoderModelWriter.ImEndId;
}

/// <summary>
/// Writes, at test time, a complete tiny decoder-only model folder in the Hugging Face Optimum layout: random weights
/// from a seed in <c>onnx/model.onnx</c> (opset 20; Optimum I/O names; causal mask by <c>Trilu</c> times the attention
/// mask, then <c>Where(mask, scores, -1e9)</c>), <c>config.json</c>, <c>generation_config.json</c>, a byte-level BPE
/// <c>tokenizer.json</c> (256 byte tokens, a few merges, <c>&lt;|endoftext|&gt;</c>, <c>&lt;|im_start|&gt;</c>,
/// <c>&lt;|im_end|&gt;</c>) and a <c>tokenizer_config.json</c> with a ChatML chat template.
/// </summary>
public static class OnnxDecoderModelWriter
{
    /// <summary>The BPE merges of the tiny tokenizer, in rank order (byte-level spelling, <c>Ġ</c> is a space).</summary>
    public static readonly IReadOnlyList<(string Left, string Right)> Merges =
    [
        ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n"), ("Ġ", "s"), ("r", "e"), ("l", "l"),
    ];

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>.</summary>
    public static int EndOfTextId => 256 + Merges.Count;

    /// <summary>The id of <c>&lt;|im_start|&gt;</c>.</summary>
    public static int ImStartId => EndOfTextId + 1;

    /// <summary>The id of <c>&lt;|im_end|&gt;</c>.</summary>
    public static int ImEndId => EndOfTextId + 2;

    /// <summary>The vocabulary size: bytes, merges and three special tokens.</summary>
    public static int VocabularySize => EndOfTextId + 3;

    /// <summary>The ChatML chat template written to <c>tokenizer_config.json</c>.</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>
    /// A ChatML template that offers tools and asks for Hermes-style calls (<c>&lt;tool_call&gt;{"name", "arguments"}&lt;/tool_call&gt;</c>),
    /// in the shape of Qwen 2.5's but short enough for a small context; assistant calls and tool results render back.
    /// </summary>
    public const string ToolsChatTemplate =
        "{%- if tools %}{{ '<|im_start|>system\nTools:\n<tools>' }}{%- for tool in tools %}{{ '\n' + (tool | tojson) }}{%- endfor %}" +
        "{{ '\n</tools>\nCall one as <tool_call>\n{\"name\": <name>, \"arguments\": <args>}\n</tool_call><|im_end|>\n' }}{%- endif %}" +
        "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + (message['content'] or '') }}" +
        "{%- if message.tool_calls %}{%- for call in message.tool_calls %}{{ '<tool_call>\n{\"name\": \"' + call.function.name + '\", \"arguments\": ' + (call.function.arguments | tojson) + '}\n</tool_call>' }}{%- endfor %}{%- endif %}" +
        "{{ '<|im_end|>\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{%- endif %}";

    /// <summary>Writes the model folder (created when missing) and returns what was written.</summary>
    public static OnnxDecoderModel Write(string folder, OnnxDecoderModelOptions? options = null)
    {
        options ??= new OnnxDecoderModelOptions();
        var kvHeads = options.KeyValueHeads ?? (options.Architecture == OnnxDecoderArchitecture.Llama ? Math.Max(1, options.Heads / 2) : options.Heads);
        if (options.Hidden % options.Heads != 0 || options.Heads % kvHeads != 0)
        {
            throw new ArgumentException("Hidden must divide by Heads, and Heads by KeyValueHeads.", nameof(options));
        }

        Directory.CreateDirectory(Path.Combine(folder, "onnx"));
        var fileName = FileNameOf(options);
        var onnxPath = Path.Combine(folder, "onnx", fileName);
        var model = new GraphBuilder(options, kvHeads).Build();
        using (var stream = File.Create(onnxPath))
        {
            model.WriteTo(stream);
        }

        WriteJson(Path.Combine(folder, "config.json"), Config(options, kvHeads));
        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = EndOfTextId,
            ["eos_token_id"] = new JsonArray(EndOfTextId, ImEndId),
            ["do_sample"] = false,
            ["max_new_tokens"] = 32,
            ["transformers_version"] = "4.46.0",
        });
        WriteJson(Path.Combine(folder, "tokenizer.json"), Tokenizer(VocabularyOf(options)));
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), TokenizerConfig(options));
        WriteJson(Path.Combine(folder, "special_tokens_map.json"), new JsonObject
        {
            ["bos_token"] = "<|endoftext|>",
            ["eos_token"] = "<|endoftext|>",
            ["unk_token"] = "<|endoftext|>",
        });
        return new OnnxDecoderModel(folder, onnxPath, VocabularyOf(options), options);
    }

    /// <summary>
    /// Writes the ONNX file of one more weight variant into a folder <see cref="Write"/> wrote with the same options
    /// otherwise (the same seed gives the same weights, quantized or rounded), without touching the other files.
    /// </summary>
    public static string WriteVariant(string folder, OnnxDecoderModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kvHeads = options.KeyValueHeads ?? (options.Architecture == OnnxDecoderArchitecture.Llama ? Math.Max(1, options.Heads / 2) : options.Heads);
        var onnxPath = Path.Combine(folder, "onnx", FileNameOf(options));
        var model = new GraphBuilder(options, kvHeads).Build();
        using (var stream = File.Create(onnxPath))
        {
            model.WriteTo(stream);
        }

        return onnxPath;
    }

    /// <summary>
    /// Writes <c>genai_config.json</c> the way ONNX Runtime GenAI's model builder does for a decoder of this writer: type
    /// <c>llama</c> or <c>gpt2</c>, the Optimum input/output names, greedy search, <c>past_present_share_buffer</c> off (the
    /// graph concatenates its cache), <paramref name="decoderFile"/> (relative to the folder) as the decoder. Intra-op
    /// threads are left to whoever runs it.
    /// </summary>
    public static void WriteGenAiConfig(string folder, string decoderFile, OnnxDecoderModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        var kvHeads = o.KeyValueHeads ?? (o.Architecture == OnnxDecoderArchitecture.Llama ? Math.Max(1, o.Heads / 2) : o.Heads);
        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = o.Architecture == OnnxDecoderArchitecture.Llama ? "llama" : "gpt2",
                ["bos_token_id"] = EndOfTextId,
                ["eos_token_id"] = new JsonArray(EndOfTextId, ImEndId),
                ["pad_token_id"] = EndOfTextId,
                ["context_length"] = o.ContextLength,
                ["vocab_size"] = VocabularyOf(o),
                ["decoder"] = new JsonObject
                {
                    ["filename"] = decoderFile,
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["head_size"] = o.Hidden / o.Heads,
                    ["hidden_size"] = o.Hidden,
                    ["num_attention_heads"] = o.Heads,
                    ["num_key_value_heads"] = kvHeads,
                    ["num_hidden_layers"] = o.Layers,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = "input_ids",
                        ["attention_mask"] = "attention_mask",
                        ["position_ids"] = "position_ids",
                        ["past_key_names"] = "past_key_values.%d.key",
                        ["past_value_names"] = "past_key_values.%d.value",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = "logits",
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["do_sample"] = false,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["max_length"] = Math.Min(o.ContextLength, 2048),
                ["min_length"] = 0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
                ["temperature"] = 1.0,
                ["repetition_penalty"] = 1.0,
                ["past_present_share_buffer"] = false,
                ["early_stopping"] = true,
            },
        };
        WriteJson(Path.Combine(folder, "genai_config.json"), config);
    }

    /// <summary>The transformers.js file-name suffix of a weight variant (<c>""</c>, <c>_fp16</c>, <c>_quantized</c>, <c>_q4</c>, <c>_q4f16</c>).</summary>
    public static string SuffixOf(OnnxDecoderWeights weights) => weights switch
    {
        OnnxDecoderWeights.Float32 => string.Empty,
        OnnxDecoderWeights.Float16 => "_fp16",
        OnnxDecoderWeights.Int8 => "_quantized",
        OnnxDecoderWeights.Q4 => "_q4",
        OnnxDecoderWeights.Q4F16 => "_q4f16",
        _ => throw new ArgumentOutOfRangeException(nameof(weights), weights, null),
    };

    /// <summary>The transformers.js <c>dtype</c> that loads a weight variant (<c>fp32</c>, <c>fp16</c>, <c>q8</c>, <c>q4</c>, <c>q4f16</c>).</summary>
    public static string DtypeOf(OnnxDecoderWeights weights) => weights switch
    {
        OnnxDecoderWeights.Float32 => "fp32",
        OnnxDecoderWeights.Float16 => "fp16",
        OnnxDecoderWeights.Int8 => "q8",
        OnnxDecoderWeights.Q4 => "q4",
        OnnxDecoderWeights.Q4F16 => "q4f16",
        _ => throw new ArgumentOutOfRangeException(nameof(weights), weights, null),
    };

    /// <summary>The file name under <c>onnx/</c> of a model built with <paramref name="options"/>.</summary>
    public static string FileNameOf(OnnxDecoderModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.FileName ?? (options.Merged ? "decoder_model_merged" : "model") + SuffixOf(options.Weights) + ".onnx";
    }

    /// <summary>The logits per position of a model built with <paramref name="options"/>.</summary>
    public static int VocabularyOf(OnnxDecoderModelOptions options)
    {
        var size = options.VocabularySize ?? VocabularySize;
        return size >= VocabularySize ? size : throw new ArgumentException($"VocabularySize must be at least {VocabularySize} (the tiny tokenizer's size).", nameof(options));
    }

    /// <summary>The MLP's inner width of a model built with <paramref name="options"/>.</summary>
    public static int IntermediateOf(OnnxDecoderModelOptions options)
        => options.IntermediateSize ?? (options.Architecture == OnnxDecoderArchitecture.Llama ? 2 : 4) * options.Hidden;

    /// <summary>GPT-2's table from bytes to the printable characters that spell them in byte-level BPE vocabularies.</summary>
    public static string[] BytesToUnicode()
    {
        var table = new string[256];
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? ((char)b).ToString() : ((char)(256 + n++)).ToString();
        }

        return table;
    }

    private static JsonObject Config(OnnxDecoderModelOptions o, int kvHeads) => o.Architecture == OnnxDecoderArchitecture.Gpt2
        ? new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["model_type"] = "gpt2",
            ["activation_function"] = "gelu",
            ["vocab_size"] = VocabularyOf(o),
            ["n_positions"] = o.ContextLength,
            ["n_ctx"] = o.ContextLength,
            ["n_embd"] = o.Hidden,
            ["n_head"] = o.Heads,
            ["n_layer"] = o.Layers,
            ["n_inner"] = IntermediateOf(o),
            ["layer_norm_epsilon"] = 1e-5,
            ["bos_token_id"] = EndOfTextId,
            ["eos_token_id"] = EndOfTextId,
            ["tie_word_embeddings"] = o.TiedEmbeddings,
            ["use_cache"] = o.KeyValueCache,
            ["torch_dtype"] = "float32",
            ["transformers_version"] = "4.46.0",
        }
        : new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_act"] = "silu",
            ["vocab_size"] = VocabularyOf(o),
            ["max_position_embeddings"] = o.ContextLength,
            ["hidden_size"] = o.Hidden,
            ["intermediate_size"] = IntermediateOf(o),
            ["num_attention_heads"] = o.Heads,
            ["num_key_value_heads"] = kvHeads,
            ["num_hidden_layers"] = o.Layers,
            ["head_dim"] = o.Hidden / o.Heads,
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 10000.0,
            ["bos_token_id"] = EndOfTextId,
            ["eos_token_id"] = EndOfTextId,
            ["tie_word_embeddings"] = o.TiedEmbeddings,
            ["use_cache"] = o.KeyValueCache,
            ["torch_dtype"] = "float32",
            ["transformers_version"] = "4.46.0",
        };

    private static JsonObject Tokenizer(int size)
    {
        var bytes = BytesToUnicode();
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++)
        {
            vocab[bytes[b]] = b;
        }

        var merges = new JsonArray();
        for (var i = 0; i < Merges.Count; i++)
        {
            var (left, right) = Merges[i];
            if (!vocab.ContainsKey(left) || !vocab.ContainsKey(right))
            {
                throw new InvalidOperationException($"Merge {left} {right} uses a token not yet in the vocabulary.");
            }

            vocab[left + right] = 256 + i;
            merges.Add($"{left} {right}");
        }

        // Padding up to a real model's vocabulary: plain vocabulary entries no merge reaches (ids after the specials).
        for (var id = VocabularySize; id < size; id++)
        {
            vocab[$"<|extra_{id}|>"] = id;
        }

        var added = new JsonArray();
        foreach (var (content, id) in new[] { ("<|endoftext|>", EndOfTextId), ("<|im_start|>", ImStartId), ("<|im_end|>", ImEndId) })
        {
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        JsonObject ByteLevel(bool addPrefixSpace, bool trimOffsets) => new()
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = addPrefixSpace,
            ["trim_offsets"] = trimOffsets,
            ["use_regex"] = true,
        };

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(false, true),
            ["post_processor"] = ByteLevel(true, false),
            ["decoder"] = ByteLevel(true, true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    private static JsonObject TokenizerConfig(OnnxDecoderModelOptions o)
    {
        var decoder = new JsonObject();
        foreach (var (content, id) in new[] { ("<|endoftext|>", EndOfTextId), ("<|im_start|>", ImStartId), ("<|im_end|>", ImEndId) })
        {
            decoder[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = content,
                ["lstrip"] = false,
                ["normalized"] = false,
                ["rstrip"] = false,
                ["single_word"] = false,
                ["special"] = true,
            };
        }

        return new JsonObject
        {
            ["add_bos_token"] = false,
            ["add_prefix_space"] = false,
            ["added_tokens_decoder"] = decoder,
            ["bos_token"] = "<|endoftext|>",
            ["eos_token"] = "<|endoftext|>",
            ["unk_token"] = "<|endoftext|>",
            ["pad_token"] = null,
            ["chat_template"] = o.ChatTemplate,
            ["clean_up_tokenization_spaces"] = false,
            ["model_max_length"] = o.ContextLength,
            ["tokenizer_class"] = "GPT2Tokenizer",
        };
    }

    private static void WriteJson(string path, JsonNode node)
        => File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));

    /// <summary>Builds the ONNX graph node by node.</summary>
    private sealed class GraphBuilder
    {
        private const int FloatType = (int)TensorProto.Types.DataType.Float;
        private const int Int64Type = (int)TensorProto.Types.DataType.Int64;
        private const int BoolType = (int)TensorProto.Types.DataType.Bool;
        private const int HalfType = (int)TensorProto.Types.DataType.Float16;
        private const int Int8Type = (int)TensorProto.Types.DataType.Int8;
        private const int UInt8Type = (int)TensorProto.Types.DataType.Uint8;
        private const int Q4BlockSize = 32;
        private const string MicrosoftDomain = "com.microsoft";
        private readonly Dictionary<string, (string Quantized, string Scale, string ZeroPoint)> _dynamicQuantized = new(StringComparer.Ordinal);
        private readonly OnnxDecoderModelOptions _o;
        private readonly int _kvHeads;
        private readonly int _headDim;
        private readonly Random _random;
        private readonly GraphProto _graph = new() { Name = "tiny_decoder" };
        private int _next;

        public GraphBuilder(OnnxDecoderModelOptions options, int kvHeads)
        {
            _o = options;
            _kvHeads = kvHeads;
            _headDim = options.Hidden / options.Heads;
            _random = new Random(options.Seed);
        }

        private bool Llama => _o.Architecture == OnnxDecoderArchitecture.Llama;

        private int IoType => _o.Float16Io ? HalfType : FloatType;

        public ModelProto Build()
        {
            var d = _o.Hidden;
            var vocab = VocabularyOf(_o);
            var inner = IntermediateOf(_o);
            Input("input_ids", Int64Type, "batch_size", "sequence_length");
            Input("attention_mask", Int64Type, "batch_size", "total_sequence_length");
            Input("position_ids", Int64Type, "batch_size", "sequence_length");
            if (_o.Merged)
            {
                Input("use_cache_branch", BoolType, 1L);
            }

            if (_o.KeyValueCache)
            {
                for (var i = 0; i < _o.Layers; i++)
                {
                    foreach (var part in new[] { "key", "value" })
                    {
                        Input($"past_key_values.{i}.{part}", IoType, "batch_size", (long)_kvHeads, "past_sequence_length", (long)_headDim);
                    }
                }
            }

            Output("logits", IoType, "batch_size", "sequence_length", (long)vocab);
            if (_o.KeyValueCache)
            {
                for (var i = 0; i < _o.Layers; i++)
                {
                    foreach (var part in new[] { "key", "value" })
                    {
                        Output($"present.{i}.{part}", IoType, "batch_size", (long)_kvHeads, "total_sequence_length", (long)_headDim);
                    }
                }
            }

            // Embeddings.
            var (x, wte) = Embedding(Draw([vocab, d], _o.EmbeddingStd), vocab, d);
            if (!Llama)
            {
                x = Node("Add", [x, Node("Gather", [Weight("wpe", [_o.ContextLength, d], 0.5f), "position_ids"])]);
            }

            // Mask [B, 1, 1, S, T]: causal (Trilu with k = past length) times the attention mask.
            var s = Node("Shape", ["input_ids"], n => { IntAttr(n, "start", 1); IntAttr(n, "end", 2); });
            var t = Node("Shape", ["attention_mask"], n => { IntAttr(n, "start", 1); IntAttr(n, "end", 2); });
            var k = Node("Squeeze", [Node("Sub", [t, s])]);
            var ones = Node("ConstantOfShape", [Node("Concat", [s, t], n => IntAttr(n, "axis", 0))], n => TensorAttr(n, "value", FloatTensor("one", [1], [1f])));
            var causal = Node("Trilu", [ones, k], n => IntAttr(n, "upper", 0));
            var am = Node("Unsqueeze", [Node("Cast", ["attention_mask"], n => IntAttr(n, "to", FloatType)), Ints("mask_axes", [1, 2, 3])]);
            var mask = Node("Cast", [Node("Mul", [am, causal])], n => IntAttr(n, "to", BoolType));

            string? cos = null, sin = null;
            if (Llama)
            {
                var half = _headDim / 2;
                var invFreq = new float[half];
                for (var i = 0; i < half; i++)
                {
                    invFreq[i] = (float)(1.0 / Math.Pow(10000.0, 2.0 * i / _headDim));
                }

                var pos = Node("Unsqueeze", [Node("Cast", ["position_ids"], n => IntAttr(n, "to", FloatType)), Ints("pos_axes", [2])]);
                var freqs = Node("Mul", [pos, Init(FloatTensor("inv_freq", [half], invFreq))]);
                var emb = Node("Concat", [freqs, freqs], n => IntAttr(n, "axis", -1));
                var headAxis = Ints("head_axis", [1]);
                cos = Node("Unsqueeze", [Node("Cos", [emb]), headAxis]);
                sin = Node("Unsqueeze", [Node("Sin", [emb]), headAxis]);
            }

            var scale = Init(FloatTensor("scale", [], [1f / MathF.Sqrt(_headDim)]));
            var minus = Init(FloatTensor("masked", [], [-1e9f]));
            var rep = _o.Heads / _kvHeads;
            var splitHeads = Ints("split_heads", [0, 0, _o.Heads, _headDim]);
            var splitKv = Ints("split_kv", [0, 0, _kvHeads, _headDim]);
            var groupQ = Ints("group_q", [0, _kvHeads, rep, -1, _headDim]);
            var mergeGroups = Ints("merge_groups", [0, _o.Heads, -1, _headDim]);
            var mergeHeads = Ints("merge_heads", [0, 0, d]);
            var kvAxis = Ints("kv_axis", [2]);

            for (var layer = 0; layer < _o.Layers; layer++)
            {
                var p = $"h{layer}.";
                var h = Norm(x, p + "ln1");
                var q = Heads(Linear(h, p + "q", d, _o.Heads * _headDim), splitHeads);
                var kk = Heads(Linear(h, p + "k", d, _kvHeads * _headDim), splitKv);
                var v = Heads(Linear(h, p + "v", d, _kvHeads * _headDim), splitKv);
                if (Llama)
                {
                    q = Rotate(q, cos!, sin!);
                    kk = Rotate(kk, cos!, sin!);
                }

                if (_o.KeyValueCache)
                {
                    if (_o.Float16Io)
                    {
                        // Round the new keys/values to float16 first, so the cache and recomputation see the same values.
                        kk = Node("Concat", [$"past_key_values.{layer}.key", Node("Cast", [kk], n => IntAttr(n, "to", HalfType))], n => IntAttr(n, "axis", 2), $"present.{layer}.key");
                        v = Node("Concat", [$"past_key_values.{layer}.value", Node("Cast", [v], n => IntAttr(n, "to", HalfType))], n => IntAttr(n, "axis", 2), $"present.{layer}.value");
                        kk = Node("Cast", [kk], n => IntAttr(n, "to", FloatType));
                        v = Node("Cast", [v], n => IntAttr(n, "to", FloatType));
                    }
                    else
                    {
                        kk = Node("Concat", [$"past_key_values.{layer}.key", kk], n => IntAttr(n, "axis", 2), $"present.{layer}.key");
                        v = Node("Concat", [$"past_key_values.{layer}.value", v], n => IntAttr(n, "axis", 2), $"present.{layer}.value");
                    }
                }

                var q5 = Node("Reshape", [q, groupQ]);
                var k5 = Node("Unsqueeze", [kk, kvAxis]);
                var v5 = Node("Unsqueeze", [v, kvAxis]);
                var scores = Node("Mul", [Node("MatMul", [q5, Node("Transpose", [k5], n => IntsAttr(n, "perm", [0, 1, 2, 4, 3]))]), scale]);
                var probs = Node("Softmax", [Node("Where", [mask, scores, minus])], n => IntAttr(n, "axis", -1));
                var context = Node("Reshape", [Node("MatMul", [probs, v5]), mergeGroups]);
                context = Node("Reshape", [Node("Transpose", [context], n => IntsAttr(n, "perm", [0, 2, 1, 3])), mergeHeads]);
                x = Node("Add", [x, Linear(context, p + "o", d, d, _o.ResidualOutputScale)]);

                h = Norm(x, p + "ln2");
                string mlp;
                if (Llama)
                {
                    var gate = Linear(h, p + "gate", d, inner);
                    var silu = Node("Mul", [gate, Node("Sigmoid", [gate])]);
                    mlp = Linear(Node("Mul", [silu, Linear(h, p + "up", d, inner)]), p + "down", inner, d, _o.ResidualOutputScale);
                }
                else
                {
                    mlp = Linear(Node("Gelu", [Linear(h, p + "fc", d, inner)]), p + "proj", inner, d, _o.ResidualOutputScale);
                }

                x = Node("Add", [x, mlp]);
            }

            x = Norm(x, "ln_f");
            // A tied head multiplies by the (dequantized) embedding table transposed: not a constant, so quantizers leave it float32.
            var logits = _o.TiedEmbeddings
                ? Node("MatMul", [x, Node("Transpose", [wte], n => IntsAttr(n, "perm", [1, 0]))])
                : MatMul(x, "lm_head", Draw([d, vocab], 1f / MathF.Sqrt(d) * 2f), d, vocab);
            if (_o.Float16Io)
            {
                Node("Cast", [logits], n => IntAttr(n, "to", HalfType), "logits");
            }
            else
            {
                Node("Identity", [logits], output: "logits");
            }

            var model = new ModelProto
            {
                IrVersion = 9,
                ProducerName = "Bytez.Testing",
                Graph = _graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 20 });
            if (_o.Weights is OnnxDecoderWeights.Q4 or OnnxDecoderWeights.Q4F16)
            {
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
            }

            return model;
        }

        private string Heads(string x, string shape)
            => Node("Transpose", [Node("Reshape", [x, shape])], n => IntsAttr(n, "perm", [0, 2, 1, 3]));

        private string Rotate(string x, string cos, string sin)
        {
            var halves = Nodes("Split", [x], 2, n => { IntAttr(n, "axis", -1); IntAttr(n, "num_outputs", 2); });
            var rotated = Node("Concat", [Node("Neg", [halves[1]]), halves[0]], n => IntAttr(n, "axis", -1));
            return Node("Add", [Node("Mul", [x, cos]), Node("Mul", [rotated, sin])]);
        }

        private string Norm(string x, string name)
        {
            var d = _o.Hidden;
            var gain = Weight(name + ".g", [d], 0.1f, 1f);
            if (!Llama)
            {
                return Node("LayerNormalization", [x, gain, Weight(name + ".b", [d], 0.1f)], n => { IntAttr(n, "axis", -1); FloatAttr(n, "epsilon", 1e-5f); });
            }

            var mean = Node("ReduceMean", [Node("Mul", [x, x]), Ints(name + ".axes", [-1])], n => IntAttr(n, "keepdims", 1));
            var inv = Node("Reciprocal", [Node("Sqrt", [Node("Add", [mean, Init(FloatTensor(name + ".eps", [], [1e-6f]))])])]);
            return Node("Mul", [Node("Mul", [x, inv]), gain]);
        }

        private string Linear(string x, string name, int inputs, int outputs, float scale = 1f)
        {
            var y = MatMul(x, name + ".w", Draw([inputs, outputs], scale / MathF.Sqrt(inputs)), inputs, outputs);
            return Llama ? y : Node("Add", [y, Weight(name + ".b", [outputs], 0.1f)]);
        }

        /// <summary>The token embedding of the variant: its gathered rows as float32, and the whole table as float32 (for a tied head).</summary>
        private (string Rows, string Table) Embedding(float[] data, int vocab, int d)
        {
            switch (_o.Weights)
            {
                case OnnxDecoderWeights.Float16:
                case OnnxDecoderWeights.Q4F16:
                    {
                        var table = Init(HalfTensor("wte_fp16", [vocab, d], data));
                        var rows = Node("Cast", [Node("Gather", [table, "input_ids"])], n => IntAttr(n, "to", FloatType));
                        return (rows, _o.TiedEmbeddings ? Node("Cast", [table], n => IntAttr(n, "to", FloatType)) : table);
                    }

                case OnnxDecoderWeights.Int8:
                    {
                        var (quantized, scale, zero) = Int8Weight("wte", [vocab, d], data);
                        var rows = Node("DequantizeLinear", [Node("Gather", [quantized, "input_ids"]), scale, zero]);
                        return (rows, _o.TiedEmbeddings ? Node("DequantizeLinear", [quantized, scale, zero]) : quantized);
                    }

                default:
                    {
                        var table = Init(FloatTensor("wte", [vocab, d], data));
                        return (Node("Gather", [table, "input_ids"]), table);
                    }
            }
        }

        /// <summary><paramref name="x"/> [.., K] times the matrix <paramref name="w"/> [K, N] (row-major), stored as the variant stores matrices.</summary>
        private string MatMul(string x, string name, float[] w, int k, int n)
        {
            switch (_o.Weights)
            {
                case OnnxDecoderWeights.Float16:
                    return Node("MatMul", [x, Node("Cast", [Init(HalfTensor(name + "_fp16", [k, n], w))], c => IntAttr(c, "to", FloatType))]);

                case OnnxDecoderWeights.Int8:
                    {
                        // One DynamicQuantizeLinear per activation, shared by the matrices it feeds (as the quantizer does).
                        if (!_dynamicQuantized.TryGetValue(x, out var a))
                        {
                            var outs = Nodes("DynamicQuantizeLinear", [x], 3);
                            a = (outs[0], outs[1], outs[2]);
                            _dynamicQuantized[x] = a;
                        }

                        var (quantized, scale, zero) = Int8Weight(name, [k, n], w);
                        var product = Node("MatMulInteger", [a.Quantized, quantized, a.ZeroPoint, zero]);
                        var scales = Node("Mul", [a.Scale, scale]);
                        return Node("Mul", [Node("Cast", [product], c => IntAttr(c, "to", FloatType)), scales]);
                    }

                case OnnxDecoderWeights.Q4:
                    return MatMulNBits(x, name, w, k, n, half: false);

                case OnnxDecoderWeights.Q4F16:
                    {
                        var x16 = Node("Cast", [x], c => IntAttr(c, "to", HalfType));
                        return Node("Cast", [MatMulNBits(x16, name, w, k, n, half: true)], c => IntAttr(c, "to", FloatType));
                    }

                default:
                    return Node("MatMul", [x, Init(FloatTensor(name, [k, n], w))]);
            }
        }

        /// <summary>An int8 matrix, symmetric per tensor (scale = max |w| / 127, zero point 0), as <c>QuantType.QInt8</c> weights are.</summary>
        private (string Quantized, string Scale, string ZeroPoint) Int8Weight(string name, int[] dims, float[] w)
        {
            var max = 0f;
            foreach (var v in w)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            var scale = max > 0 ? max / 127f : 1f;
            var bytes = new byte[w.Length];
            for (var i = 0; i < w.Length; i++)
            {
                bytes[i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(w[i] / scale), -127f, 127f));
            }

            var tensor = new TensorProto { Name = name + "_quantized", DataType = Int8Type, RawData = ByteString.CopyFrom(bytes) };
            foreach (var dim in dims)
            {
                tensor.Dims.Add(dim);
            }

            var zero = new TensorProto { Name = name + "_zero_point", DataType = Int8Type, RawData = ByteString.CopyFrom(new byte[1]) };
            return (Init(tensor), Init(FloatTensor(name + "_scale", [], [scale])), Init(zero));
        }

        /// <summary>
        /// <c>com.microsoft.MatMulNBits</c> of <paramref name="x"/> and <paramref name="w"/> [K, N] quantized to 4 bits in
        /// blocks of 32 along K: <c>B</c> uint8 [N, blocks, 16] (element k of column n at byte k / 2 of its block, low
        /// nibble for even k), <c>scales</c> [N × blocks] (float16 when <paramref name="half"/>), optional packed
        /// <c>zero_points</c> uint8 [N × ceil(blocks / 2)]; dequantized value = (q − zero point) × scale.
        /// </summary>
        private string MatMulNBits(string x, string name, float[] w, int k, int n, bool half)
        {
            var blocks = (k + Q4BlockSize - 1) / Q4BlockSize;
            var blob = Q4BlockSize / 2;
            var packed = new byte[n * blocks * blob];
            var scales = new float[n * blocks];
            var zeroBytes = (blocks + 1) / 2;
            var zeros = new byte[n * zeroBytes];
            for (var col = 0; col < n; col++)
            {
                for (var b = 0; b < blocks; b++)
                {
                    var start = b * Q4BlockSize;
                    var end = Math.Min(k, start + Q4BlockSize);
                    float scale;
                    int zero;
                    if (_o.Q4ZeroPoints)
                    {
                        float min = 0f, max = 0f;
                        for (var row = start; row < end; row++)
                        {
                            min = Math.Min(min, w[row * n + col]);
                            max = Math.Max(max, w[row * n + col]);
                        }

                        scale = (max - min) / 15f;
                        zero = scale > 0 ? (int)Math.Clamp(MathF.Round(-min / scale), 0f, 15f) : 8;
                    }
                    else
                    {
                        // The value of largest magnitude maps to -8 (as MLAS's symmetric quantizer does); 8 is the zero.
                        var extreme = 0f;
                        for (var row = start; row < end; row++)
                        {
                            if (Math.Abs(w[row * n + col]) > Math.Abs(extreme))
                            {
                                extreme = w[row * n + col];
                            }
                        }

                        scale = extreme / -8f;
                        zero = 8;
                    }

                    if (half)
                    {
                        scale = (float)(Half)scale;
                    }

                    scales[col * blocks + b] = scale;
                    zeros[col * zeroBytes + b / 2] |= (byte)(zero << (b % 2 * 4));
                    for (var i = 0; i < Q4BlockSize; i++)
                    {
                        var row = start + i;
                        var q = row < end && scale != 0 ? (int)Math.Clamp(MathF.Round(w[row * n + col] / scale) + zero, 0f, 15f) : zero;
                        packed[(col * blocks + b) * blob + i / 2] |= (byte)(q << (i % 2 * 4));
                    }
                }
            }

            var bTensor = new TensorProto { Name = name + "_Q4", DataType = UInt8Type, RawData = ByteString.CopyFrom(packed) };
            bTensor.Dims.Add([n, blocks, blob]);
            var scaleTensor = half ? HalfTensor(name + "_scales", [n * blocks], scales) : FloatTensor(name + "_scales", [n * blocks], scales);
            var inputs = new List<string> { x, Init(bTensor), Init(scaleTensor) };
            if (_o.Q4ZeroPoints)
            {
                var zeroTensor = new TensorProto { Name = name + "_zero_points", DataType = UInt8Type, RawData = ByteString.CopyFrom(zeros) };
                zeroTensor.Dims.Add(n * zeroBytes);
                inputs.Add(Init(zeroTensor));
            }

            return Node("MatMulNBits", [.. inputs], node =>
            {
                node.Domain = MicrosoftDomain;
                IntAttr(node, "K", k);
                IntAttr(node, "N", n);
                IntAttr(node, "bits", 4);
                IntAttr(node, "block_size", Q4BlockSize);
            });
        }

        private string Weight(string name, int[] dims, float std, float mean = 0f) => Init(FloatTensor(name, dims, Draw(dims, std, mean)));

        /// <summary>Normal random values (Box-Muller) in the seed's order, the same whatever the variant.</summary>
        private float[] Draw(int[] dims, float std, float mean = 0f)
        {
            var count = dims.Aggregate(1, (a, b) => a * b);
            var data = new float[count];
            for (var i = 0; i < count; i++)
            {
                var u1 = 1.0 - _random.NextDouble();
                var u2 = _random.NextDouble();
                data[i] = mean + std * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
            }

            return data;
        }

        private static TensorProto HalfTensor(string name, int[] dims, float[] data)
        {
            var tensor = new TensorProto { Name = name, DataType = HalfType };
            foreach (var dim in dims)
            {
                tensor.Dims.Add(dim);
            }

            var bytes = new byte[data.Length * 2];
            for (var i = 0; i < data.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), BitConverter.HalfToUInt16Bits((Half)data[i]));
            }

            tensor.RawData = ByteString.CopyFrom(bytes);
            return tensor;
        }

        private string Ints(string name, long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = Int64Type };
            tensor.Dims.Add(values.Length);
            tensor.Int64Data.Add(values);
            return Init(tensor);
        }

        private static TensorProto FloatTensor(string name, int[] dims, float[] data)
        {
            var tensor = new TensorProto { Name = name, DataType = FloatType };
            foreach (var dim in dims)
            {
                tensor.Dims.Add(dim);
            }

            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            tensor.RawData = ByteString.CopyFrom(bytes);
            return tensor;
        }

        private string Init(TensorProto tensor)
        {
            _graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        private string Node(string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
            => Nodes(op, inputs, 1, attributes, output)[0];

        private string[] Nodes(string op, string[] inputs, int outputs, Action<NodeProto>? attributes = null, string? output = null)
        {
            var node = new NodeProto { OpType = op, Name = $"{op}_{_next}" };
            node.Input.Add(inputs);
            var names = new string[outputs];
            for (var i = 0; i < outputs; i++)
            {
                names[i] = output ?? $"{op}_{_next}_out{i}";
                node.Output.Add(names[i]);
            }

            _next++;
            attributes?.Invoke(node);
            _graph.Node.Add(node);
            return names;
        }

        private void Input(string name, int type, params object[] dims) => _graph.Input.Add(ValueInfo(name, type, dims));

        private void Output(string name, int type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

        private static ValueInfoProto ValueInfo(string name, int type, object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var dim in dims)
            {
                shape.Dim.Add(dim is string param
                    ? new TensorShapeProto.Types.Dimension { DimParam = param }
                    : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
            }

            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } },
            };
        }

        private static void IntAttr(NodeProto node, string name, long value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

        private static void FloatAttr(NodeProto node, string name, float value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

        private static void IntsAttr(NodeProto node, string name, long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.Add(values);
            node.Attribute.Add(attribute);
        }

        private static void TensorAttr(NodeProto node, string name, TensorProto value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value });
    }
}
