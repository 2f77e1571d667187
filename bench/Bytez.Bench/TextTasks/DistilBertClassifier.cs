using System.Text.Json.Nodes;
using Bytez.Engine.Embedded;
using Bytez.Testing.TinyModels;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// A DistilBERT-shaped sequence classifier with random weights (6 layers, hidden 768, 12 heads, FFN 3072, 512
/// positions, 2 labels; ~66 M parameters, as distilbert-base-uncased-finetuned-sst-2-english), written once into a
/// cache folder in the Optimum layout: <c>onnx/model.onnx</c> (inputs <c>input_ids</c>, <c>attention_mask</c>; output
/// <c>logits</c> [b, 2]), <c>config.json</c>, and a WordPiece <c>tokenizer.json</c> over the real BERT uncased
/// vocabulary (30,522 tokens, taken from the embedded MiniLM model's <c>vocab.txt</c>; special tokens first, so the
/// ids differ from BERT's, which random weights do not care about).
/// </summary>
internal static class DistilBertClassifier
{
    public const int Layers = 6;
    public const int Hidden = 768;
    public const int Heads = 12;
    public const int FeedForward = 3072;
    public const int Positions = 512;
    private const string Version = "v1";

    /// <summary>The folder under <paramref name="cache"/>, written when missing; returns it and the parameter count.</summary>
    public static string Ensure(string cache)
    {
        var folder = Path.Combine(cache, "bench", "distilbert-classifier-" + Version);
        var onnx = Path.Combine(folder, "onnx", "model.onnx");
        if (File.Exists(onnx))
        {
            return folder;
        }

        var bert = EmbeddedModels.EnsureExtracted(Path.Combine(cache, "embedded"), EmbeddedModels.MiniLM);
        var words = File.ReadAllLines(Path.Combine(bert.Path, "vocab.txt")).Where(t => t.Length > 0).ToList();
        string[] specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        var vocabulary = EncoderTokenizerWriter.Write(folder, new EncoderTokenizerOptions
        {
            Style = EncoderTokenizerStyle.WordPiece,
            Tokens = [.. words.Where(w => !specials.Contains(w))],
            ModelMaxLength = Positions,
            TokenizerClass = "DistilBertTokenizer",
        });
        var extra = OnnxEncoderModelWriter.Labels(["NEGATIVE", "POSITIVE"]);
        extra["dim"] = Hidden;
        extra["hidden_dim"] = FeedForward;
        extra["n_heads"] = Heads;
        extra["n_layers"] = Layers;
        extra["hidden_size"] = Hidden;
        extra["num_attention_heads"] = Heads;
        extra["num_hidden_layers"] = Layers;
        extra["activation"] = "gelu";
        OnnxEncoderModelWriter.WriteConfig(folder, "distilbert", "DistilBertForSequenceClassification", vocabulary, Positions, extra);
        OnnxGraph.Save(Build(vocabulary.Size), onnx);
        return folder;
    }

    private static Onnx.ModelProto Build(int vocabulary)
    {
        var g = new OnnxGraph("distilbert", seed: 66);
        g.Input("input_ids", OnnxGraph.Int64Type, "batch_size", "sequence_length");
        g.Input("attention_mask", OnnxGraph.Int64Type, "batch_size", "sequence_length");
        g.Output("logits", OnnxGraph.FloatType, "batch_size", 2L);

        // Embeddings: words + learned positions 0..s-1, layer norm.
        var s = g.Node("Squeeze", [g.Node("Shape", ["input_ids"], n => { OnnxGraph.IntAttr(n, "start", 1); OnnxGraph.IntAttr(n, "end", 2); })]);
        var positions = g.Node("Range", [g.ScalarInt("zero", 0), s, g.ScalarInt("one", 1)]);
        var x = g.Node("Add", [
            g.Node("Gather", [g.Weight("word_embeddings", [vocabulary, Hidden], 0.02f), "input_ids"]),
            g.Node("Gather", [g.Weight("position_embeddings", [Positions, Hidden], 0.02f), positions])]);
        x = g.LayerNorm(x, "embeddings.LayerNorm", Hidden);

        // Additive mask [b, 1, 1, s]: 0 where attended, -1e9 on padding.
        var keep = g.Node("Cast", ["attention_mask"], n => OnnxGraph.IntAttr(n, "to", OnnxGraph.FloatType));
        var mask = g.Node("Unsqueeze", [g.Node("Mul", [g.Node("Sub", [g.Scalar("one_f", 1f), keep]), g.Scalar("minus", -1e9f)]), g.Ints("mask_axes", 1, 2)]);
        var split = g.Ints("split_heads", 0, 0, Heads, Hidden / Heads);
        var merge = g.Ints("merge_heads", 0, 0, Hidden);
        var scale = g.Scalar("scale", 1f / MathF.Sqrt(Hidden / Heads));
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"layer.{layer}.";
            var q = g.SplitHeads(g.Linear(x, p + "q_lin", Hidden, Hidden), split);
            var k = g.SplitHeads(g.Linear(x, p + "k_lin", Hidden, Hidden), split);
            var v = g.SplitHeads(g.Linear(x, p + "v_lin", Hidden, Hidden), split);
            var attention = g.Linear(g.Attend(q, k, v, mask, scale, merge), p + "out_lin", Hidden, Hidden);
            x = g.LayerNorm(g.Node("Add", [x, attention]), p + "sa_layer_norm", Hidden);
            var ffn = g.Linear(g.Node("Gelu", [g.Linear(x, p + "lin1", Hidden, FeedForward)]), p + "lin2", FeedForward, Hidden);
            x = g.LayerNorm(g.Node("Add", [x, ffn]), p + "output_layer_norm", Hidden);
        }

        // The [CLS] state → pre_classifier + ReLU → classifier.
        var cls = g.Node("Gather", [x, g.ScalarInt("first", 0)], n => OnnxGraph.IntAttr(n, "axis", 1));
        var pre = g.Node("Relu", [g.Linear(cls, "pre_classifier", Hidden, Hidden)]);
        g.Node("Identity", [g.Linear(pre, "classifier", Hidden, 2)], output: "logits");
        return g.Model(opset: 20);
    }
}
