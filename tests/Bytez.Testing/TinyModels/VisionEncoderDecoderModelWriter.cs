using System.Text.Json.Nodes;
using Onnx;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny VisionEncoderDecoder folder written by <see cref="VisionEncoderDecoderModelWriter"/>.</summary>
public sealed record VisionEncoderDecoderModel(string Folder);

/// <summary>Variations of <see cref="VisionEncoderDecoderModelWriter.Write"/>.</summary>
public sealed record VisionEncoderDecoderOptions
{
    /// <summary>The decoder files: merged (default), split into <c>decoder_model</c> + <c>decoder_with_past_model</c>, or no cache.</summary>
    public Seq2SeqWriterLayout Layout { get; init; } = Seq2SeqWriterLayout.Merged;

    /// <summary><c>max_length</c> of <c>generation_config.json</c> (Hugging Face's default 20).</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary><c>num_beams</c> of <c>generation_config.json</c>, or none.</summary>
    public int? NumBeams { get; init; }

    /// <summary>
    /// The decoder's cache: false (default) as ViT-GPT2 exports, GPT-2 keeping self-attention only
    /// (<c>past_key_values.{i}.key</c>, <c>encoder_hidden_states</c> at every step); true as TrOCR exports, a
    /// <c>trocr</c> decoder with <c>past_key_values.{i}.decoder.*</c> and the cross-attention cache <c>.encoder.*</c>.
    /// </summary>
    public bool CrossAttentionCache { get; init; }

    /// <summary>Whether to write <c>preprocessor_config.json</c> (a ViTImageProcessor to 8×8, mean and std 0.5).</summary>
    public bool Preprocessor { get; init; } = true;
}

/// <summary>
/// Writes, at test time, a tiny VisionEncoderDecoder (ViT-GPT2 style) in the Optimum layout whose caption is known by
/// design: <c>onnx/encoder_model.onnx</c> reads <c>pixel_values</c> [batch, 3, 8, 8] and returns one state, the mean of
/// each colour channel; <c>onnx/decoder_model_merged.onnx</c> (GPT-2's self-attention past names as ViT-GPT2 exports
/// have them, or TrOCR's <c>.decoder.</c>/<c>.encoder.</c> ones, see <see cref="VisionEncoderDecoderOptions"/>; no
/// encoder mask) gives <c>Table[last] + 10 × (R, G, B means) on (red, green, blue)</c>, with start → a 20, a colour →
/// square 20, square → end 20. Vocabulary: <c>&lt;|endoftext|&gt;</c> 0 (start, end and pad, as GPT-2), then
/// <c>Ġa Ġred Ġgreen Ġblue Ġsquare</c> 1–5 and fillers. Expected caption for an image whose dominant channel (normalised
/// to [-1, 1]) is red: " a red square"; green " a green square"; blue " a blue square". <c>preprocessor_config.json</c>
/// is google/vit-base-patch16-224's ViTImageProcessor at 8×8 (bilinear, rescale 1/255, mean and std 0.5), so a solid
/// colour (r, g, b) in bytes becomes the channel means (2·r/255 − 1, ...) up to float32 rounding.
/// </summary>
public static class VisionEncoderDecoderModelWriter
{
    /// <summary>Logits per position.</summary>
    public const int VocabularySize = 16;

    /// <summary>Image side the encoder declares.</summary>
    public const int Side = 8;

    /// <summary>The tokens by id (byte-level form).</summary>
    public static IReadOnlyList<string> Tokens { get; } =
        ["<|endoftext|>", "Ġa", "Ġred", "Ġgreen", "Ġblue", "Ġsquare", .. Enumerable.Range(6, VocabularySize - 6).Select(i => $"Ġw{i}")];

    /// <summary>The id of a word (<c>red</c>) or of <c>&lt;|endoftext|&gt;</c>.</summary>
    public static int Id(string token)
        => Tokens.ToList().IndexOf(token) is >= 0 and var special ? special
        : Tokens.ToList().IndexOf("Ġ" + token) is >= 0 and var word ? word
        : throw new ArgumentException(token, nameof(token));

    /// <summary>One row of <c>pixel_values</c> [3, 8, 8]: every pixel (r, g, b), values as a processor normalises them.</summary>
    public static float[] Pixels(float r, float g, float b)
    {
        var values = new float[3 * Side * Side];
        Array.Fill(values, r, 0, Side * Side);
        Array.Fill(values, g, Side * Side, Side * Side);
        Array.Fill(values, b, 2 * Side * Side, Side * Side);
        return values;
    }

    /// <summary>Writes the model folder (created when missing).</summary>
    public static VisionEncoderDecoderModel Write(string folder, VisionEncoderDecoderOptions? options = null)
    {
        options ??= new VisionEncoderDecoderOptions();
        var onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        Save(Path.Combine(onnx, "encoder_model.onnx"), Encoder());
        var table = Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();
        table[Id("<|endoftext|>")][Id("a")] = 20;
        foreach (var colour in new[] { "red", "green", "blue" })
        {
            table[Id(colour)][Id("square")] = 20;
        }

        table[Id("square")][Id("<|endoftext|>")] = 20;
        var source = Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();
        source[0][Id("red")] = 10;
        source[1][Id("green")] = 10;
        source[2][Id("blue")] = 10;
        var history = Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();
        switch (options.Layout)
        {
            case Seq2SeqWriterLayout.Merged:
                Save(Path.Combine(onnx, "decoder_model_merged.onnx"), Decoder(DecoderKind.Merged, table, source, history, 2, 8, encoderMask: false, crossCache: options.CrossAttentionCache));
                break;
            case Seq2SeqWriterLayout.Split:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history, 2, 8, encoderMask: false, crossCache: options.CrossAttentionCache));
                Save(Path.Combine(onnx, "decoder_with_past_model.onnx"), Decoder(DecoderKind.WithPast, table, source, history, 2, 8, encoderMask: false, crossCache: options.CrossAttentionCache));
                break;
            default:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history, 2, 8, encoderMask: false, crossCache: options.CrossAttentionCache));
                break;
        }

        if (options.Preprocessor)
        {
            MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
                "ViTImageProcessor", MediaModelFolders.Size(Side, Side), resample: 2, mean: [0.5f, 0.5f, 0.5f], std: [0.5f, 0.5f, 0.5f]));
        }

        WriteJson(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["architectures"] = new JsonArray("VisionEncoderDecoderModel"),
            ["model_type"] = "vision-encoder-decoder",
            ["is_encoder_decoder"] = true,
            ["decoder_start_token_id"] = 0,
            ["eos_token_id"] = 0,
            ["pad_token_id"] = 0,
            ["encoder"] = new JsonObject { ["model_type"] = "vit", ["image_size"] = Side, ["num_channels"] = 3, ["hidden_size"] = VocabularySize },
            ["decoder"] = options.CrossAttentionCache
                ? new JsonObject
                {
                    ["model_type"] = "trocr", ["decoder_layers"] = 2, ["decoder_attention_heads"] = 2, ["d_model"] = VocabularySize,
                    ["max_position_embeddings"] = 32, ["vocab_size"] = VocabularySize, ["is_decoder"] = true, ["add_cross_attention"] = true,
                    ["bos_token_id"] = 0, ["eos_token_id"] = 0,
                }
                : new JsonObject
                {
                    ["model_type"] = "gpt2", ["n_layer"] = 2, ["n_head"] = 2, ["n_embd"] = VocabularySize, ["n_positions"] = 32,
                    ["vocab_size"] = VocabularySize, ["add_cross_attention"] = true, ["bos_token_id"] = 0, ["eos_token_id"] = 0,
                },
            ["transformers_version"] = "4.57.0",
        });
        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["decoder_start_token_id"] = 0, ["bos_token_id"] = 0, ["eos_token_id"] = 0, ["pad_token_id"] = 0, ["max_length"] = options.MaxLength,
            ["transformers_version"] = "4.57.0",
        });
        if (options.NumBeams is { } beams)
        {
            var path = Path.Combine(folder, "generation_config.json");
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            config["num_beams"] = beams;
            WriteJson(path, config);
        }

        var vocab = new JsonObject();
        for (var i = 1; i < Tokens.Count; i++)
        {
            vocab[Tokens[i]] = i;
        }

        JsonObject ByteLevel(bool addPrefixSpace) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = true, ["use_regex"] = true };
        WriteJson(Path.Combine(folder, "tokenizer.json"), new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = 0, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(false),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        });
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|endoftext|>", ["unk_token"] = "<|endoftext|>", ["tokenizer_class"] = "GPT2Tokenizer",
        });
        return new VisionEncoderDecoderModel(folder);
    }

    /// <summary>pixel_values [b, 3, 8, 8] → channel means [b, 3] · C [3, 16] (channel c → state c) → [b, 1, 16].</summary>
    private static ModelProto Encoder()
    {
        var b = new Builder("tiny_vit_encoder");
        var g = b.Graph;
        b.Input(g, "pixel_values", Builder.Float, "batch_size", 3, Side, Side);
        b.Output(g, "last_hidden_state", Builder.Float, "batch_size", "encoder_sequence_length", VocabularySize);
        var channels = Enumerable.Range(0, 3).Select(c =>
        {
            var row = new float[VocabularySize];
            row[c] = 1;
            return row;
        }).ToArray();
        var mean = b.Node(g, "ReduceMean", ["pixel_values", b.Ints("pixel_axes", [2, 3])], n => Builder.IntAttr(n, "keepdims", 0));
        var state = b.Node(g, "MatMul", [mean, b.Matrix("channels", channels)]);
        b.Node(g, "Unsqueeze", [state, b.Ints("position_axis", [1])], output: "last_hidden_state");
        return b.Model();
    }
}
