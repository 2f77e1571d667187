using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;

namespace Bytez.Testing.TinyModels;

/// <summary>How <see cref="OnnxSeq2SeqModelWriter"/> writes the decoder.</summary>
public enum Seq2SeqWriterLayout
{
    /// <summary><c>decoder_model_merged.onnx</c> with an <c>If</c> on <c>use_cache_branch</c>.</summary>
    Merged,

    /// <summary><c>decoder_model.onnx</c> and <c>decoder_with_past_model.onnx</c>.</summary>
    Split,

    /// <summary><c>decoder_model.onnx</c> only.</summary>
    NoCache,
}

/// <summary>What <see cref="OnnxSeq2SeqModelWriter.Write"/> builds.</summary>
public sealed record OnnxSeq2SeqModelOptions
{
    /// <summary>The decoder files.</summary>
    public Seq2SeqWriterLayout Layout { get; init; } = Seq2SeqWriterLayout.Merged;

    /// <summary>
    /// Logits of the next token by the last decoder token: <c>Table[last][next]</c> (<see cref="OnnxSeq2SeqModelWriter.VocabularySize"/>
    /// rows of as many values); <see langword="null"/> means <see cref="OnnxSeq2SeqModelWriter.CounterTable"/>.
    /// </summary>
    public float[][]? Table { get; init; }

    /// <summary>Added to the logits once per source token: <c>SourceBias[source token][next]</c>; <see langword="null"/> means <see cref="OnnxSeq2SeqModelWriter.CounterSourceBias"/>.</summary>
    public float[][]? SourceBias { get; init; }

    /// <summary>Added to the logits once per decoder token so far (start and last included): <c>HistoryBias[token][next]</c>; <see langword="null"/> means none.</summary>
    public float[][]? HistoryBias { get; init; }

    /// <summary><c>generation_config.json</c>; <see langword="null"/> writes none.</summary>
    public JsonObject? GenerationConfig { get; init; }

    /// <summary><c>task_specific_params</c> of <c>config.json</c>.</summary>
    public JsonObject? TaskSpecificParams { get; init; }

    /// <summary><c>prefix</c> of <c>config.json</c>.</summary>
    public string? Prefix { get; init; }

    /// <summary>Name the shape fields as BART does (<c>decoder_attention_heads</c>, <c>d_model</c>) instead of T5 (<c>num_heads</c>, <c>d_kv</c>).</summary>
    public bool BartConfig { get; init; }
}

/// <summary>A tiny encoder-decoder folder written by <see cref="OnnxSeq2SeqModelWriter"/>.</summary>
public sealed record OnnxSeq2SeqModel(string Folder, OnnxSeq2SeqModelOptions Options);

/// <summary>
/// Writes, at test time, a tiny encoder-decoder model in the Optimum <c>text2text-generation-with-past</c> layout whose
/// outputs are known by design. Vocabulary: <c>&lt;pad&gt;</c> 0 (also the decoder start, as in T5), <c>&lt;/s&gt;</c> 1,
/// <c>&lt;unk&gt;</c> 2 and the words <c>a</c> … <c>m</c> (ids 3 … 15), with a T5-style Unigram <c>tokenizer.json</c>
/// ("a b" → ▁a ▁b &lt;/s&gt;). The encoder's hidden states are the one-hot vectors of the source tokens (width 16); the
/// decoder's logits at the last position are
/// <c>Table[last] + Σ_source SourceBias[token] + Σ_decoder tokens so far HistoryBias[token]</c>, where the source sum
/// comes from the cross-attention cache (computed at the first step from the encoder's output, read from the past
/// afterwards) and the decoder sum from the self-attention cache (the one-hot rows of the tokens fed, concatenated
/// step by step). Two layers, two heads of width 8.
/// </summary>
public static class OnnxSeq2SeqModelWriter
{
    /// <summary>Logits per position.</summary>
    public const int VocabularySize = 16;

    private const int Heads = 2;
    private const int HeadDim = 8;
    private const int Layers = 2;

    /// <summary>The tokens by id.</summary>
    public static IReadOnlyList<string> Tokens { get; } =
        ["<pad>", "</s>", "<unk>", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"];

    /// <summary>The id of a token.</summary>
    public static int Id(string token) => Tokens.ToList().IndexOf(token) is >= 0 and var id ? id : throw new ArgumentException(token, nameof(token));

    /// <summary>A table of -10 000 everywhere but the given logits, for probabilities by design: <c>ln p</c> for each next token.</summary>
    public static float[][] Table(params (string From, string To, float Logit)[] entries)
    {
        var table = Enumerable.Range(0, VocabularySize).Select(_ => Enumerable.Repeat(-10_000f, VocabularySize).ToArray()).ToArray();
        foreach (var (from, to, logit) in entries)
        {
            table[Id(from)][Id(to)] = logit;
        }

        return table;
    }

    /// <summary>A bias matrix of zeros but the given entries.</summary>
    public static float[][] Bias(params (string From, string To, float Value)[] entries)
    {
        var bias = Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();
        foreach (var (from, to, value) in entries)
        {
            bias[Id(from)][Id(to)] = value;
        }

        return bias;
    }

    /// <summary>
    /// The default table: zeros but start (&lt;pad&gt;) → a 10; a → b 10 and &lt;pad&gt; 12; b → c 10; every later letter x:
    /// &lt;/s&gt; 10 and the next letter 5. Greedy: "a b c" (when &lt;pad&gt; is a bad word); with the end banned, d, e, ... follow.
    /// </summary>
    public static float[][] CounterTable()
    {
        var table = Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();
        table[Id("<pad>")][Id("a")] = 10;
        table[Id("a")][Id("b")] = 10;
        table[Id("a")][Id("<pad>")] = 12;
        table[Id("b")][Id("c")] = 10;
        for (var t = Id("c"); t < VocabularySize; t++)
        {
            table[t][Id("</s>")] = 10;
            if (t + 1 < VocabularySize)
            {
                table[t][t + 1] = 5;
            }
        }

        return table;
    }

    /// <summary>The default source bias: each <c>m</c> in the source adds 7 to <c>d</c> (so after c, d (12) beats the end (10)).</summary>
    public static float[][] CounterSourceBias() => Bias(("m", "d", 7f));

    /// <summary>A generation_config.json in the style of Marian's: start, end and pad ids, and &lt;pad&gt; a bad word.</summary>
    public static JsonObject MarianStyleGenerationConfig() => new()
    {
        ["decoder_start_token_id"] = 0,
        ["eos_token_id"] = 1,
        ["pad_token_id"] = 0,
        ["bad_words_ids"] = new JsonArray(new JsonArray(0)),
        ["transformers_version"] = "4.57.0",
    };

    /// <summary>Writes the model folder (created when missing).</summary>
    public static OnnxSeq2SeqModel Write(string folder, OnnxSeq2SeqModelOptions? options = null)
    {
        options ??= new OnnxSeq2SeqModelOptions();
        var table = options.Table ?? CounterTable();
        var source = options.SourceBias ?? CounterSourceBias();
        var history = options.HistoryBias ?? Bias();
        var onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        Save(Path.Combine(onnx, "encoder_model.onnx"), Encoder());
        switch (options.Layout)
        {
            case Seq2SeqWriterLayout.Merged:
                Save(Path.Combine(onnx, "decoder_model_merged.onnx"), Decoder(DecoderKind.Merged, table, source, history));
                break;
            case Seq2SeqWriterLayout.Split:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history));
                Save(Path.Combine(onnx, "decoder_with_past_model.onnx"), Decoder(DecoderKind.WithPast, table, source, history));
                break;
            default:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history));
                break;
        }

        var config = options.BartConfig
            ? new JsonObject
            {
                ["architectures"] = new JsonArray("BartForConditionalGeneration"),
                ["model_type"] = "bart",
                ["d_model"] = Heads * HeadDim,
                ["decoder_attention_heads"] = Heads,
                ["encoder_attention_heads"] = Heads,
                ["decoder_layers"] = Layers,
                ["encoder_layers"] = Layers,
                ["max_position_embeddings"] = 64,
            }
            : new JsonObject
            {
                ["architectures"] = new JsonArray("T5ForConditionalGeneration"),
                ["model_type"] = "t5",
                ["d_model"] = 32,
                ["d_kv"] = HeadDim,
                ["num_heads"] = Heads,
                ["num_layers"] = Layers,
                ["num_decoder_layers"] = Layers,
                ["n_positions"] = 64,
            };
        config["is_encoder_decoder"] = true;
        config["vocab_size"] = VocabularySize;
        config["decoder_start_token_id"] = 0;
        config["eos_token_id"] = 1;
        config["pad_token_id"] = 0;
        config["transformers_version"] = "4.57.0";
        if (options.TaskSpecificParams is { } tsp)
        {
            config["task_specific_params"] = tsp.DeepClone();
        }

        if (options.Prefix is { } prefix)
        {
            config["prefix"] = prefix;
        }

        WriteJson(Path.Combine(folder, "config.json"), config);
        if (options.GenerationConfig is { } generation)
        {
            WriteJson(Path.Combine(folder, "generation_config.json"), generation.DeepClone());
        }

        WriteJson(Path.Combine(folder, "tokenizer.json"), Tokenizer());
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["eos_token"] = "</s>",
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
            ["model_max_length"] = 64,
            ["tokenizer_class"] = "T5Tokenizer",
        });
        return new OnnxSeq2SeqModel(folder, options);
    }

    private static JsonObject Tokenizer()
    {
        var vocab = new JsonArray();
        var added = new JsonArray();
        for (var i = 0; i < Tokens.Count; i++)
        {
            var special = i < 3;
            vocab.Add(new JsonArray(special ? Tokens[i] : "\u2581" + Tokens[i], special ? 0.0 : -1.0));
            if (special)
            {
                added.Add(new JsonObject
                {
                    ["id"] = i, ["content"] = Tokens[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true,
                });
            }
        }

        JsonObject Metaspace() => new() { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always", ["split"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "WhitespaceSplit" }, Metaspace()) },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "</s>", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(),
                ["special_tokens"] = new JsonObject { ["</s>"] = new JsonObject { ["id"] = "</s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("</s>") } },
            },
            ["decoder"] = Metaspace(),
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 2, ["vocab"] = vocab, ["byte_fallback"] = false },
        };
    }

    /// <summary>Which decoder graph <see cref="Decoder"/> builds.</summary>
    internal enum DecoderKind
    {
        First,
        WithPast,
        Merged,
    }

    private static ModelProto Encoder()
    {
        var b = new Builder("tiny_encoder");
        b.Input(b.Graph, "input_ids", Builder.Int64, "batch_size", "encoder_sequence_length");
        b.Input(b.Graph, "attention_mask", Builder.Int64, "batch_size", "encoder_sequence_length");
        b.Output(b.Graph, "last_hidden_state", Builder.Float, "batch_size", "encoder_sequence_length", VocabularySize);
        b.Node(b.Graph, "Gather", [b.Matrix("one_hot", Identity()), "input_ids"], output: "last_hidden_state");
        return b.Model();
    }

    /// <summary>
    /// The table decoder: logits = <c>Table[last] + Σ_source positions (encoder state · SourceBias) + Σ_decoder tokens
    /// HistoryBias[token]</c>, the source sum read from the cross-attention cache, the decoder sum from the
    /// self-attention cache. The vocabulary is the table's size and must equal <paramref name="heads"/> ×
    /// <paramref name="headDim"/>, the width of the encoder's states (so a state feeds the source bias directly). With
    /// <paramref name="crossCache"/> false the decoder keeps self-attention only, as GPT-2 inside a ViT-GPT2 export does:
    /// <c>past_key_values.{i}.key/value</c> in, <c>present.{i}.key/value</c> out, <c>encoder_hidden_states</c> read at every step.
    /// </summary>
    internal static ModelProto Decoder(
        DecoderKind kind, float[][] table, float[][] source, float[][] history, int heads = Heads, int headDim = HeadDim, bool encoderMask = true,
        bool crossCache = true)
    {
        var vocabulary = table.Length;
        if (vocabulary != heads * headDim)
        {
            throw new ArgumentException($"The vocabulary ({vocabulary}) must equal heads × head size ({heads} × {headDim}).", nameof(table));
        }

        var b = new Builder("tiny_decoder");
        var g = b.Graph;
        if (encoderMask)
        {
            b.Input(g, "encoder_attention_mask", Builder.Int64, "batch_size", "encoder_sequence_length");
        }

        b.Input(g, "input_ids", Builder.Int64, "batch_size", "decoder_sequence_length");
        if (kind != DecoderKind.WithPast || !crossCache)
        {
            b.Input(g, "encoder_hidden_states", Builder.Float, "batch_size", "encoder_sequence_length", vocabulary);
        }

        var sides = crossCache ? new[] { "decoder.", "encoder." } : new[] { string.Empty };
        if (kind != DecoderKind.First)
        {
            for (var i = 0; i < Layers; i++)
            {
                foreach (var side in sides)
                {
                    foreach (var part in new[] { "key", "value" })
                    {
                        b.Input(g, $"past_key_values.{i}.{side}{part}", Builder.Float, "batch_size", "num_heads", $"past_{side.TrimEnd('.')}_sequence_length", "head_dim");
                    }
                }
            }
        }

        if (kind == DecoderKind.Merged)
        {
            b.Input(g, "use_cache_branch", Builder.Bool, 1);
        }

        var outputs = new List<string> { "logits" };
        b.Output(g, "logits", Builder.Float, "batch_size", "decoder_sequence_length", vocabulary);
        for (var i = 0; i < Layers; i++)
        {
            foreach (var side in kind == DecoderKind.WithPast ? sides[..1] : sides)
            {
                foreach (var part in new[] { "key", "value" })
                {
                    outputs.Add($"present.{i}.{side}{part}");
                    b.Output(g, $"present.{i}.{side}{part}", Builder.Float, "batch_size", "num_heads", "present_sequence_length", "head_dim");
                }
            }
        }

        var weights = (Table: b.Matrix("table", table), Source: b.Matrix("source_bias", source), History: b.Matrix("history_bias", history), OneHot: b.Matrix("one_hot", Identity(vocabulary)));
        var shape = new BodyShape(heads, headDim, encoderMask, crossCache);
        if (kind == DecoderKind.Merged)
        {
            var withPast = new GraphProto { Name = "with_past" };
            Body(b, withPast, usePast: true, outputs, weights, "wp_", shape);
            var first = new GraphProto { Name = "first" };
            Body(b, first, usePast: false, outputs, weights, "fs_", shape);
            var node = new NodeProto { OpType = "If", Name = "use_cache_branch_if" };
            node.Input.Add("use_cache_branch");
            node.Output.Add(outputs);
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = withPast });
            node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = first });
            g.Node.Add(node);
        }
        else
        {
            Body(b, g, kind == DecoderKind.WithPast, outputs, weights, string.Empty, shape, writeOutputs: false);
        }

        return b.Model();
    }

    /// <summary>The decoder's computation into <paramref name="g"/>, ending in nodes that write <paramref name="outputs"/> (prefixed in a branch).</summary>
    private static void Body(
        Builder b, GraphProto g, bool usePast, List<string> outputs, (string Table, string Source, string History, string OneHot) w, string prefix,
        BodyShape shape, bool writeOutputs = true)
    {
        var split = b.Ints("split_heads", [0, 0, shape.Heads, shape.HeadDim]);
        var flat = b.Ints("flat_heads", [0, shape.Heads * shape.HeadDim]);
        var positionsAxis = b.Ints("positions_axis", [2]);
        var rowAxis = b.Ints("row_axis", [1]);
        string HeadsOf(string x) => b.Node(g, "Transpose", [b.Node(g, "Reshape", [b.Node(g, "Gather", [w.OneHot, x]), split])], n => Builder.IntsAttr(n, "perm", [0, 2, 1, 3]));
        string Out(string name) => writeOutputs ? prefix + name : name;

        var fresh = HeadsOf("input_ids");
        var decoderValue = string.Empty;
        var self = shape.CrossCache ? "decoder." : string.Empty;
        for (var i = 0; i < Layers; i++)
        {
            foreach (var part in new[] { "key", "value" })
            {
                var present = usePast
                    ? b.Node(g, "Concat", [$"past_key_values.{i}.{self}{part}", fresh], n => Builder.IntAttr(n, "axis", 2), Out($"present.{i}.{self}{part}"))
                    : b.Node(g, "Identity", [fresh], output: Out($"present.{i}.{self}{part}"));
                if (i == 0 && part == "value")
                {
                    decoderValue = present;
                }
            }
        }

        string encoderValue;
        if (usePast && shape.CrossCache)
        {
            encoderValue = "past_key_values.0.encoder.value";
            if (outputs.Contains("present.0.encoder.key"))
            {
                for (var i = 0; i < Layers; i++)
                {
                    foreach (var part in new[] { "key", "value" })
                    {
                        b.Node(g, "Identity", [$"past_key_values.{i}.encoder.{part}"], output: Out($"present.{i}.encoder.{part}"));
                    }
                }
            }
        }
        else
        {
            var encoder = b.Node(g, "Transpose", [b.Node(g, "Reshape", ["encoder_hidden_states", split])], n => Builder.IntsAttr(n, "perm", [0, 2, 1, 3]));
            encoderValue = encoder;
            for (var i = 0; i < Layers && shape.CrossCache; i++)
            {
                foreach (var part in new[] { "key", "value" })
                {
                    b.Node(g, "Identity", [encoder], output: Out($"present.{i}.encoder.{part}"));
                }
            }
        }

        // Source counts: the cross-attention values summed over the (unmasked) source positions.
        var masked = encoderValue;
        if (shape.EncoderMask)
        {
            var mask = b.Node(g, "Unsqueeze", [b.Node(g, "Cast", ["encoder_attention_mask"], n => Builder.IntAttr(n, "to", Builder.Float)), b.Ints("mask_axes", [1, 3])]);
            masked = b.Node(g, "Mul", [encoderValue, mask]);
        }

        var sourceCounts = b.Node(g, "Reshape", [b.Node(g, "ReduceSum", [masked, positionsAxis], n => Builder.IntAttr(n, "keepdims", 0)), flat]);
        var sourceBias = b.Node(g, "Unsqueeze", [b.Node(g, "MatMul", [sourceCounts, w.Source]), rowAxis]);

        // Decoder counts: the self-attention values summed over every position so far.
        var decoderCounts = b.Node(g, "Reshape", [b.Node(g, "ReduceSum", [decoderValue, positionsAxis], n => Builder.IntAttr(n, "keepdims", 0)), flat]);
        var historyBias = b.Node(g, "Unsqueeze", [b.Node(g, "MatMul", [decoderCounts, w.History]), rowAxis]);
        b.Node(g, "Add", [b.Node(g, "Add", [b.Node(g, "Gather", [w.Table, "input_ids"]), sourceBias]), historyBias], output: Out("logits"));

        if (writeOutputs)
        {
            foreach (var name in outputs)
            {
                g.Output.Add(new ValueInfoProto
                {
                    Name = prefix + name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Builder.Float } },
                });
            }
        }
    }

    private readonly record struct BodyShape(int Heads, int HeadDim, bool EncoderMask, bool CrossCache);

    private static float[][] Identity(int size = VocabularySize)
        => Enumerable.Range(0, size).Select(i => Enumerable.Range(0, size).Select(j => i == j ? 1f : 0f).ToArray()).ToArray();

    /// <summary>Writes an ONNX model file.</summary>
    internal static void Save(string path, ModelProto model)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    /// <summary>Writes a JSON file (UTF-8, indented).</summary>
    internal static void WriteJson(string path, JsonNode node)
        => File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));

    /// <summary>Builds ONNX graphs node by node; initializers live in the main graph (branches see them).</summary>
    internal sealed class Builder(string name)
    {
        public const int Float = (int)TensorProto.Types.DataType.Float;
        public const int Int64 = (int)TensorProto.Types.DataType.Int64;
        public const int Bool = (int)TensorProto.Types.DataType.Bool;
        private readonly HashSet<string> _initializers = [];
        private int _next;

        public GraphProto Graph { get; } = new() { Name = name };

        public ModelProto Model()
        {
            var model = new ModelProto { IrVersion = 9, ProducerName = "Bytez.Testing", Graph = Graph };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 20 });
            return model;
        }

        public string Matrix(string name, float[][] rows)
        {
            if (_initializers.Add(name))
            {
                var tensor = new TensorProto { Name = name, DataType = Float };
                tensor.Dims.Add(rows.Length);
                tensor.Dims.Add(rows[0].Length);
                tensor.FloatData.Add(rows.SelectMany(r => r));
                Graph.Initializer.Add(tensor);
            }

            return name;
        }

        public string Ints(string name, long[] values)
        {
            if (_initializers.Add(name))
            {
                var tensor = new TensorProto { Name = name, DataType = Int64 };
                tensor.Dims.Add(values.Length);
                tensor.Int64Data.Add(values);
                Graph.Initializer.Add(tensor);
            }

            return name;
        }

        public string Node(GraphProto g, string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
        {
            var node = new NodeProto { OpType = op, Name = $"{op}_{_next}" };
            node.Input.Add(inputs);
            var result = output ?? $"{op}_{_next}_out";
            node.Output.Add(result);
            _next++;
            attributes?.Invoke(node);
            g.Node.Add(node);
            return result;
        }

        public void Input(GraphProto g, string name, int type, params object[] dims) => g.Input.Add(ValueInfo(name, type, dims));

        public void Output(GraphProto g, string name, int type, params object[] dims) => g.Output.Add(ValueInfo(name, type, dims));

        public static void IntAttr(NodeProto node, string name, long value)
            => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

        public static void IntsAttr(NodeProto node, string name, long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.Add(values);
            node.Attribute.Add(attribute);
        }

        private static ValueInfoProto ValueInfo(string name, int type, object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var dim in dims)
            {
                shape.Dim.Add(dim is string param
                    ? new TensorShapeProto.Types.Dimension { DimParam = param }
                    : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
            }

            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
        }
    }
}
