using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Bench.TextTasks;
using Bytez.Engine.Generation;
using Onnx;

namespace Bytez.Bench.Speech;

/// <summary>
/// A Whisper-tiny-shaped speech recognizer with random weights (openai/whisper-tiny's shapes: d_model 384, 4 encoder and
/// 4 decoder pre-norm layers, 6 heads, FFN 1536, GELU, 80 mel bins, two convolutions (the second of stride 2) to 1500
/// positions, 448 learned decoder positions, vocabulary 51,865 with Whisper's special and timestamp ids; ~39 M
/// parameters), written once into a cache folder in the Optimum layout the engine opens: <c>onnx/encoder_model.onnx</c>
/// (<c>input_features</c> → <c>last_hidden_state</c>), <c>onnx/decoder_model_merged.onnx</c> (an <c>If</c> on
/// <c>use_cache_branch</c> for the cross-attention keys/values, no encoder mask, as Whisper's export), <c>config.json</c>,
/// <c>generation_config.json</c>, <c>preprocessor_config.json</c> and a byte-level BPE <c>tokenizer.json</c> (the 256
/// byte symbols, ASCII filler words up to 50,257, then the special tokens). The decoder takes one new token per call
/// (no causal mask), as the engine and the bare loop feed it.
/// </summary>
internal static class WhisperTinyShaped
{
    public const int Layers = 4;
    public const int Model = 384;
    public const int Heads = 6;
    public const int FeedForward = 1536;
    public const int MelBins = 80;
    public const int Frames = 3000;
    public const int SourcePositions = 1500;
    public const int TargetPositions = 448;
    public const int Vocabulary = 51865;
    public const int EndOfText = 50257;
    public const int StartOfTranscript = 50258;
    public const int English = 50259;
    public const int Translate = 50358;
    public const int Transcribe = 50359;
    public const int NoTimestamps = 50363;
    public const int Space = 220;
    private const int HeadDim = Model / Heads;
    private const string Version = "v1";

    /// <summary>The model folder under <paramref name="cache"/>, written when missing.</summary>
    public static string Ensure(string cache)
    {
        var folder = Path.Combine(cache, "bench", "whisper-tiny-shaped-" + Version);
        var decoder = Path.Combine(folder, "onnx", "decoder_model_merged.onnx");
        Directory.CreateDirectory(Path.Combine(folder, "onnx"));
        WriteConfigs(folder);
        if (File.Exists(decoder))
        {
            return folder;
        }

        WriteTokenizer(folder);
        OnnxGraph.Save(Encoder(), Path.Combine(folder, "onnx", "encoder_model.onnx"));
        OnnxGraph.Save(Decoder(), decoder);
        return folder;
    }

    private static void WriteConfigs(string folder)
    {
        WriteJson(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["architectures"] = new JsonArray("WhisperForConditionalGeneration"),
            ["model_type"] = "whisper",
            ["is_encoder_decoder"] = true,
            ["d_model"] = Model,
            ["encoder_layers"] = Layers,
            ["decoder_layers"] = Layers,
            ["encoder_attention_heads"] = Heads,
            ["decoder_attention_heads"] = Heads,
            ["encoder_ffn_dim"] = FeedForward,
            ["decoder_ffn_dim"] = FeedForward,
            ["num_mel_bins"] = MelBins,
            ["max_source_positions"] = SourcePositions,
            ["max_target_positions"] = TargetPositions,
            ["vocab_size"] = Vocabulary,
            ["decoder_start_token_id"] = StartOfTranscript,
            ["eos_token_id"] = EndOfText,
            ["bos_token_id"] = EndOfText,
            ["pad_token_id"] = EndOfText,
            ["transformers_version"] = "4.57.0",
        });
        var languages = new JsonObject();
        var all = WhisperLanguages.All;
        for (var i = 0; i < Math.Min(99, all.Count); i++)
        {
            languages[$"<|{all[i].Code}|>"] = English + i;
        }

        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["decoder_start_token_id"] = StartOfTranscript,
            ["bos_token_id"] = EndOfText,
            ["eos_token_id"] = EndOfText,
            ["pad_token_id"] = EndOfText,
            ["no_timestamps_token_id"] = NoTimestamps,
            ["max_initial_timestamp_index"] = 50,
            ["max_length"] = TargetPositions,
            ["begin_suppress_tokens"] = new JsonArray(Space, EndOfText),
            ["suppress_tokens"] = new JsonArray(),
            ["is_multilingual"] = true,
            ["lang_to_id"] = languages,
            ["task_to_id"] = new JsonObject { ["translate"] = Translate, ["transcribe"] = Transcribe },
            ["transformers_version"] = "4.57.0",
        });
        WriteJson(Path.Combine(folder, "preprocessor_config.json"), new JsonObject
        {
            ["feature_extractor_type"] = "WhisperFeatureExtractor",
            ["feature_size"] = MelBins,
            ["sampling_rate"] = 16000,
            ["hop_length"] = 160,
            ["chunk_length"] = 30,
            ["n_fft"] = 400,
            ["n_samples"] = 480000,
            ["nb_max_frames"] = Frames,
            ["padding_value"] = 0.0,
        });
    }

    private static void WriteTokenizer(string folder)
    {
        // GPT-2's bytes-to-unicode symbols: the printable bytes as themselves, the others shifted past 255.
        var vocab = new JsonObject();
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            vocab[((char)(printable ? b : 256 + shifted++)).ToString()] = b;
        }

        for (var id = 256; id < EndOfText; id++)
        {
            vocab["\u0120w" + id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = id;
        }

        var added = new JsonArray();
        void Add(int id, string content, bool special) => added.Add(new JsonObject
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = !special, ["special"] = special,
        });
        Add(EndOfText, "<|endoftext|>", true);
        Add(StartOfTranscript, "<|startoftranscript|>", true);
        var all = WhisperLanguages.All;
        for (var i = 0; i < Translate - English; i++)
        {
            Add(English + i, i < all.Count ? $"<|{all[i].Code}|>" : $"<|lang{i}|>", true);
        }

        string[] tasks = ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"];
        for (var i = 0; i < tasks.Length; i++)
        {
            Add(Translate + i, tasks[i], true);
        }

        for (var id = NoTimestamps + 1; id < Vocabulary; id++)
        {
            Add(id, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"<|{(id - NoTimestamps - 1) * 0.02:0.00}|>"), false);
        }

        JsonObject ByteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        WriteJson(Path.Combine(folder, "tokenizer.json"), new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        });
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|endoftext|>", ["unk_token"] = "<|endoftext|>", ["pad_token"] = "<|endoftext|>",
            ["model_max_length"] = 1024, ["tokenizer_class"] = "WhisperTokenizer",
        });
    }

    /// <summary>GELU as erf: 0.5 · x · (1 + erf(x / √2)).</summary>
    private static string Gelu(OnnxGraph g, string x)
    {
        var n = Interlocked.Increment(ref _gelus);
        return g.Node("Mul", [
            g.Node("Mul", [x, g.Scalar($"gelu{n}_half", 0.5f)]),
            g.Node("Add", [g.Scalar($"gelu{n}_one", 1f), g.Node("Erf", [g.Node("Mul", [x, g.Scalar($"gelu{n}_inv_sqrt2", 1f / MathF.Sqrt(2f))])])])]);
    }

    private static int _gelus;

    private static string FeedForwardBlock(OnnxGraph g, string x, string p)
        => g.Linear(Gelu(g, g.Linear(x, p + "fc1", Model, FeedForward)), p + "fc2", FeedForward, Model);

    private static string Conv(OnnxGraph g, string x, string name, int inputs, int stride)
        => g.Node("Add", [
            g.Node("Conv", [x, g.Weight(name + ".weight", [Model, inputs, 3], 0.02f)], n =>
            {
                OnnxGraph.IntsAttr(n, "pads", [1, 1]);
                OnnxGraph.IntsAttr(n, "strides", [stride]);
                OnnxGraph.IntsAttr(n, "kernel_shape", [3]);
            }),
            g.Weight(name + ".bias", [Model, 1], 0.02f)]);

    private static ModelProto Encoder()
    {
        var g = new OnnxGraph("encoder", seed: 91);
        g.Input("input_features", OnnxGraph.FloatType, "batch_size", (long)MelBins, (long)Frames);
        g.Output("last_hidden_state", OnnxGraph.FloatType, "batch_size", (long)SourcePositions, (long)Model);
        var h = Gelu(g, Conv(g, "input_features", "conv1", MelBins, 1));
        h = Gelu(g, Conv(g, h, "conv2", Model, 2));
        var x = g.Node("Add", [g.Node("Transpose", [h], n => OnnxGraph.IntsAttr(n, "perm", [0, 2, 1])), g.Weight("embed_positions", [SourcePositions, Model], 0.02f)]);
        var split = g.Ints("split_heads", 0, 0, Heads, HeadDim);
        var merge = g.Ints("merge_heads", 0, 0, Model);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(HeadDim));
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"encoder.layers.{layer}.";
            var n = g.LayerNorm(x, p + "self_attn_layer_norm", Model);
            var q = g.SplitHeads(g.Linear(n, p + "q_proj", Model, Model), split);
            var k = g.SplitHeads(g.Linear(n, p + "k_proj", Model, Model), split);
            var v = g.SplitHeads(g.Linear(n, p + "v_proj", Model, Model), split);
            x = g.Node("Add", [x, g.Linear(g.Attend(q, k, v, null, scale, merge), p + "out_proj", Model, Model)]);
            x = g.Node("Add", [x, FeedForwardBlock(g, g.LayerNorm(x, p + "final_layer_norm", Model), p)]);
        }

        g.Node("Identity", [g.LayerNorm(x, "encoder.layer_norm", Model)], output: "last_hidden_state");
        return g.Model(opset: 17);
    }

    private static ModelProto Decoder()
    {
        var g = new OnnxGraph("decoder", seed: 92);
        g.Input("input_ids", OnnxGraph.Int64Type, "batch_size", "decoder_sequence_length");
        g.Input("encoder_hidden_states", OnnxGraph.FloatType, "batch_size", "encoder_sequence_length", (long)Model);
        for (var i = 0; i < Layers; i++)
        {
            foreach (var side in new[] { "decoder", "encoder" })
            {
                foreach (var part in new[] { "key", "value" })
                {
                    g.Input($"past_key_values.{i}.{side}.{part}", OnnxGraph.FloatType, "batch_size", (long)Heads, $"past_{side}_sequence_length", (long)HeadDim);
                }
            }
        }

        g.Input("use_cache_branch", OnnxGraph.BoolType, 1L);
        g.Output("logits", OnnxGraph.FloatType, "batch_size", "decoder_sequence_length", (long)Vocabulary);
        for (var i = 0; i < Layers; i++)
        {
            foreach (var side in new[] { "decoder", "encoder" })
            {
                foreach (var part in new[] { "key", "value" })
                {
                    g.Output($"present.{i}.{side}.{part}", OnnxGraph.FloatType, "batch_size", (long)Heads, $"present_{side}_sequence_length", (long)HeadDim);
                }
            }
        }

        var split = g.Ints("split_heads", 0, 0, Heads, HeadDim);
        var merge = g.Ints("merge_heads", 0, 0, Model);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(HeadDim));

        // The cross-attention keys/values: the past ones on the cache branch, else projected from the encoder states.
        var cached = new GraphProto { Name = "with_past" };
        var fresh = new OnnxGraph("first", seed: 93);
        var crossNames = new List<string>();
        for (var i = 0; i < Layers; i++)
        {
            foreach (var part in new[] { "key", "value" })
            {
                var name = $"present.{i}.encoder.{part}";
                crossNames.Add(name);
                var node = new NodeProto { OpType = "Identity", Name = $"wp_{name}" };
                node.Input.Add($"past_key_values.{i}.encoder.{part}");
                node.Output.Add("wp_" + name);
                cached.Node.Add(node);
                cached.Output.Add(OnnxGraph.ValueInfo("wp_" + name, OnnxGraph.FloatType, "batch_size", (long)Heads, "encoder_sequence_length", (long)HeadDim));
                var projected = fresh.SplitHeads(fresh.Linear("encoder_hidden_states", $"decoder.layers.{i}.encoder_attn.{part[0]}_proj", Model, Model), fresh.Ints($"split_{i}_{part}", 0, 0, Heads, HeadDim));
                fresh.Node("Identity", [projected], output: "fs_" + name);
                fresh.Graph.Output.Add(OnnxGraph.ValueInfo("fs_" + name, OnnxGraph.FloatType, "batch_size", (long)Heads, "encoder_sequence_length", (long)HeadDim));
            }
        }

        var branch = new NodeProto { OpType = "If", Name = "use_cache_branch_if" };
        branch.Input.Add("use_cache_branch");
        branch.Output.Add(crossNames);
        OnnxGraph.GraphAttr(branch, "then_branch", cached);
        OnnxGraph.GraphAttr(branch, "else_branch", fresh.Graph);
        g.Graph.Node.Add(branch);

        // Positions continue after the past: past length .. past length + t - 1.
        var past = g.Node("Squeeze", [g.Node("Shape", ["past_key_values.0.decoder.key"], n => { OnnxGraph.IntAttr(n, "start", 2); OnnxGraph.IntAttr(n, "end", 3); })]);
        var t = g.Node("Squeeze", [g.Node("Shape", ["input_ids"], n => { OnnxGraph.IntAttr(n, "start", 1); OnnxGraph.IntAttr(n, "end", 2); })]);
        var positions = g.Node("Range", [past, g.Node("Add", [past, t]), g.ScalarInt("one", 1)]);
        var embed = g.Weight("embed_tokens", [Vocabulary, Model], 0.02f);
        var x = g.Node("Add", [g.Node("Gather", [embed, "input_ids"]), g.Node("Gather", [g.Weight("embed_positions", [TargetPositions, Model], 0.02f), positions])]);
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"decoder.layers.{layer}.";
            var n = g.LayerNorm(x, p + "self_attn_layer_norm", Model);
            var q = g.SplitHeads(g.Linear(n, p + "self_attn.q_proj", Model, Model), split);
            var k = g.Node("Concat", [$"past_key_values.{layer}.decoder.key", g.SplitHeads(g.Linear(n, p + "self_attn.k_proj", Model, Model), split)], a => OnnxGraph.IntAttr(a, "axis", 2), $"present.{layer}.decoder.key");
            var v = g.Node("Concat", [$"past_key_values.{layer}.decoder.value", g.SplitHeads(g.Linear(n, p + "self_attn.v_proj", Model, Model), split)], a => OnnxGraph.IntAttr(a, "axis", 2), $"present.{layer}.decoder.value");
            x = g.Node("Add", [x, g.Linear(g.Attend(q, k, v, null, scale, merge), p + "self_attn.out_proj", Model, Model)]);
            var cq = g.SplitHeads(g.Linear(g.LayerNorm(x, p + "encoder_attn_layer_norm", Model), p + "encoder_attn.q_proj", Model, Model), split);
            var cross = g.Attend(cq, $"present.{layer}.encoder.key", $"present.{layer}.encoder.value", null, scale, merge);
            x = g.Node("Add", [x, g.Linear(cross, p + "encoder_attn.out_proj", Model, Model)]);
            x = g.Node("Add", [x, FeedForwardBlock(g, g.LayerNorm(x, p + "final_layer_norm", Model), p)]);
        }

        // Tied output projection: the embedding transposed.
        g.Node("MatMul", [g.LayerNorm(x, "decoder.layer_norm", Model), g.Node("Transpose", [embed])], output: "logits");
        return g.Model(opset: 17);
    }

    private static void WriteJson(string path, JsonNode node)
        => File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));
}
