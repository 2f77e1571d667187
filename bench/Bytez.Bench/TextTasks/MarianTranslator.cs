using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Embedded;
using Onnx;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// A Marian-shaped translator with random weights (6 + 6 post-norm layers, d_model 512, 8 heads, FFN 2048, SiLU,
/// sinusoidal positions, vocabulary 58,101; ~74 M parameters as Helsinki-NLP/opus-mt-en-de), written once into a cache
/// folder in the Optimum seq2seq layout: <c>onnx/encoder_model.onnx</c> and <c>onnx/decoder_model_merged.onnx</c>
/// (an <c>If</c> on <c>use_cache_branch</c> that reuses the past cross-attention keys/values or computes them from
/// <c>encoder_hidden_states</c>), <c>config.json</c>, <c>generation_config.json</c> and a Unigram <c>tokenizer.json</c>
/// (the BERT uncased words as pieces, padded to the size with filler pieces). The decoder graph takes one new token per
/// call (no causal mask), as both the engine and the bare loop feed it.
/// </summary>
internal static class MarianTranslator
{
    public const int Layers = 6;
    public const int Model = 512;
    public const int Heads = 8;
    public const int FeedForward = 2048;
    public const int Vocabulary = 58101;
    public const int Positions = 512;
    public const int Eos = 0;
    public const int Pad = Vocabulary - 1;
    private const int HeadDim = Model / Heads;
    private const string Version = "v1";

    public static string Ensure(string cache)
    {
        var folder = Path.Combine(cache, "bench", "marian-translator-" + Version);
        var decoder = Path.Combine(folder, "onnx", "decoder_model_merged.onnx");

        // The configuration files are small: written every run, so that a change to them reaches a cached model.
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["architectures"] = new JsonArray("MarianMTModel"),
            ["model_type"] = "marian",
            ["is_encoder_decoder"] = true,
            ["d_model"] = Model,
            ["encoder_layers"] = Layers,
            ["decoder_layers"] = Layers,
            ["encoder_attention_heads"] = Heads,
            ["decoder_attention_heads"] = Heads,
            ["encoder_ffn_dim"] = FeedForward,
            ["decoder_ffn_dim"] = FeedForward,
            ["activation_function"] = "swish",
            ["max_position_embeddings"] = Positions,
            ["scale_embedding"] = true,
            ["vocab_size"] = Vocabulary,
            ["decoder_start_token_id"] = Pad,
            ["pad_token_id"] = Pad,
            ["eos_token_id"] = Eos,
            ["forced_eos_token_id"] = Eos,
            ["bad_words_ids"] = new JsonArray(new JsonArray(Pad)),
            ["torch_dtype"] = "float32",
            ["transformers_version"] = "4.57.0",
        });
        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["decoder_start_token_id"] = Pad,
            ["eos_token_id"] = Eos,
            ["pad_token_id"] = Pad,
            ["bad_words_ids"] = new JsonArray(new JsonArray(Pad)),
            ["max_length"] = Positions,
            ["transformers_version"] = "4.57.0",
        });
        if (File.Exists(decoder))
        {
            return folder;
        }

        WriteTokenizer(folder, Path.Combine(EmbeddedModels.EnsureExtracted(Path.Combine(cache, "embedded"), EmbeddedModels.MiniLM).Path, "vocab.txt"));
        OnnxGraph.Save(Encoder(), Path.Combine(folder, "onnx", "encoder_model.onnx"));
        OnnxGraph.Save(Decoder(), decoder);
        return folder;
    }

    private static void WriteTokenizer(string folder, string bertVocabulary)
    {
        var pieces = new List<string> { "</s>", "<unk>" };
        var seen = new HashSet<string>(pieces, StringComparer.Ordinal);
        foreach (var word in File.ReadLines(bertVocabulary))
        {
            if (word.Length == 0 || word.StartsWith('[') && word.EndsWith(']'))
            {
                continue;
            }

            var piece = word.StartsWith("##", StringComparison.Ordinal) ? word[2..] : "\u2581" + word;
            if (seen.Add(piece))
            {
                pieces.Add(piece);
            }
        }

        for (var i = 0; pieces.Count < Vocabulary - 1; i++)
        {
            var filler = $"\u2581filler{i}";
            if (seen.Add(filler))
            {
                pieces.Add(filler);
            }
        }

        pieces.Add("<pad>");
        var vocab = new JsonArray();
        for (var i = 0; i < pieces.Count; i++)
        {
            // Whole words score above pieces, frequent (early) ones above rare ones; specials score 0.
            var score = i < 2 || i == Pad ? 0.0 : -(pieces[i].StartsWith('\u2581') ? 5.0 : 8.0) - (i * 1e-4);
            vocab.Add(new JsonArray(pieces[i], score));
        }

        var added = new JsonArray();
        foreach (var (id, content) in new[] { (0, "</s>"), (1, "<unk>"), (Pad, "<pad>") })
        {
            added.Add(new JsonObject
            {
                ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        JsonObject Metaspace() => new() { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always", ["split"] = true };
        WriteJson(Path.Combine(folder, "tokenizer.json"), new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "Lowercase" },
            ["pre_tokenizer"] = Metaspace(),
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "</s>", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(),
                ["special_tokens"] = new JsonObject { ["</s>"] = new JsonObject { ["id"] = "</s>", ["ids"] = new JsonArray(0), ["tokens"] = new JsonArray("</s>") } },
            },
            ["decoder"] = Metaspace(),
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 1, ["vocab"] = vocab, ["byte_fallback"] = false },
        });
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["eos_token"] = "</s>",
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
            ["model_max_length"] = Positions,
            ["tokenizer_class"] = "MarianTokenizer",
        });
    }

    private static float[] Sinusoids()
    {
        // Marian's table: sin in the first half of the features, cos in the second.
        var table = new float[Positions * Model];
        for (var p = 0; p < Positions; p++)
        {
            for (var j = 0; j < Model / 2; j++)
            {
                var angle = p / Math.Pow(10000, 2.0 * j / Model);
                table[(p * Model) + j] = (float)Math.Sin(angle);
                table[(p * Model) + (Model / 2) + j] = (float)Math.Cos(angle);
            }
        }

        return table;
    }

    private static string Embed(OnnxGraph g, string ids, string positions)
        => g.Node("Add", [
            g.Node("Mul", [g.Node("Gather", [g.Weight("embed_tokens", [Vocabulary, Model], 0.02f), ids]), g.Scalar("embed_scale", MathF.Sqrt(Model))]),
            g.Node("Gather", [g.Floats("embed_positions", [Positions, Model], Sinusoids()), positions])]);

    private static string AdditiveMask(OnnxGraph g, string mask)
    {
        var keep = g.Node("Cast", [mask], n => OnnxGraph.IntAttr(n, "to", OnnxGraph.FloatType));
        return g.Node("Unsqueeze", [g.Node("Mul", [g.Node("Sub", [g.Scalar("one_f", 1f), keep]), g.Scalar("minus", -1e9f)]), g.Ints("mask_axes", 1, 2)]);
    }

    private static string FeedForwardBlock(OnnxGraph g, string x, string p)
    {
        var h = g.Linear(x, p + "fc1", Model, FeedForward);
        return g.Linear(g.Node("Mul", [h, g.Node("Sigmoid", [h])]), p + "fc2", FeedForward, Model);
    }

    private static ModelProto Encoder()
    {
        var g = new OnnxGraph("encoder", seed: 75);
        g.Input("input_ids", OnnxGraph.Int64Type, "batch_size", "encoder_sequence_length");
        g.Input("attention_mask", OnnxGraph.Int64Type, "batch_size", "encoder_sequence_length");
        g.Output("last_hidden_state", OnnxGraph.FloatType, "batch_size", "encoder_sequence_length", (long)Model);
        var s = g.Node("Squeeze", [g.Node("Shape", ["input_ids"], n => { OnnxGraph.IntAttr(n, "start", 1); OnnxGraph.IntAttr(n, "end", 2); })]);
        var x = Embed(g, "input_ids", g.Node("Range", [g.ScalarInt("zero", 0), s, g.ScalarInt("one", 1)]));
        var mask = AdditiveMask(g, "attention_mask");
        var split = g.Ints("split_heads", 0, 0, Heads, HeadDim);
        var merge = g.Ints("merge_heads", 0, 0, Model);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(HeadDim));
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"encoder.layers.{layer}.";
            var q = g.SplitHeads(g.Linear(x, p + "q_proj", Model, Model), split);
            var k = g.SplitHeads(g.Linear(x, p + "k_proj", Model, Model), split);
            var v = g.SplitHeads(g.Linear(x, p + "v_proj", Model, Model), split);
            x = g.LayerNorm(g.Node("Add", [x, g.Linear(g.Attend(q, k, v, mask, scale, merge), p + "out_proj", Model, Model)]), p + "self_attn_layer_norm", Model);
            x = g.LayerNorm(g.Node("Add", [x, FeedForwardBlock(g, x, p)]), p + "final_layer_norm", Model);
        }

        g.Node("Identity", [x], output: "last_hidden_state");
        return g.Model(opset: 17);
    }

    private static ModelProto Decoder()
    {
        var g = new OnnxGraph("decoder", seed: 76);
        g.Input("encoder_attention_mask", OnnxGraph.Int64Type, "batch_size", "encoder_sequence_length");
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
        var fresh = new OnnxGraph("first", seed: 77);
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
        var x = Embed(g, "input_ids", g.Node("Range", [past, g.Node("Add", [past, t]), g.ScalarInt("one", 1)]));
        var crossMask = AdditiveMask(g, "encoder_attention_mask");
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"decoder.layers.{layer}.";
            var q = g.SplitHeads(g.Linear(x, p + "self_attn.q_proj", Model, Model), split);
            var k = g.Node("Concat", [$"past_key_values.{layer}.decoder.key", g.SplitHeads(g.Linear(x, p + "self_attn.k_proj", Model, Model), split)], n => OnnxGraph.IntAttr(n, "axis", 2), $"present.{layer}.decoder.key");
            var v = g.Node("Concat", [$"past_key_values.{layer}.decoder.value", g.SplitHeads(g.Linear(x, p + "self_attn.v_proj", Model, Model), split)], n => OnnxGraph.IntAttr(n, "axis", 2), $"present.{layer}.decoder.value");
            x = g.LayerNorm(g.Node("Add", [x, g.Linear(g.Attend(q, k, v, null, scale, merge), p + "self_attn.out_proj", Model, Model)]), p + "self_attn_layer_norm", Model);
            var cq = g.SplitHeads(g.Linear(x, p + "encoder_attn.q_proj", Model, Model), split);
            var cross = g.Attend(cq, $"present.{layer}.encoder.key", $"present.{layer}.encoder.value", crossMask, scale, merge);
            x = g.LayerNorm(g.Node("Add", [x, g.Linear(cross, p + "encoder_attn.out_proj", Model, Model)]), p + "encoder_attn_layer_norm", Model);
            x = g.LayerNorm(g.Node("Add", [x, FeedForwardBlock(g, x, p)]), p + "final_layer_norm", Model);
        }

        // Tied output projection (the embedding transposed) plus final_logits_bias.
        g.Node("Add", [g.Node("MatMul", [x, g.Node("Transpose", ["embed_tokens"])]), g.Weight("final_logits_bias", [Vocabulary], 0.02f)], output: "logits");
        var model = g.Model(opset: 17);
        return model;
    }

    private static void WriteJson(string path, JsonNode node)
        => File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));
}
