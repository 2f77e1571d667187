using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;

namespace Bytez.Testing.TinyModels;

/// <summary>How an output of a tiny encoder graph is computed from its per-token lookup table.</summary>
public enum EncoderOutputKind
{
    /// <summary><c>[b, K]</c>: the rows of the tokens, times the attention mask, summed over the sequence (sequence classification).</summary>
    Pooled,

    /// <summary><c>[b, s, K]</c>: each token's row (token classification, masked language modelling).</summary>
    PerToken,

    /// <summary><c>[b, s]</c>: each token's single value (question answering's start and end logits).</summary>
    PerTokenScalar,
}

/// <summary>One output of a tiny encoder graph: a lookup table with one row per token id.</summary>
/// <param name="Name">The output name (<c>logits</c>, <c>start_logits</c>, <c>end_logits</c>).</param>
/// <param name="Kind">How the rows become the output.</param>
/// <param name="Table">The table, <c>[vocabulary, K]</c> (K = 1 for <see cref="EncoderOutputKind.PerTokenScalar"/>).</param>
/// <param name="Bias">For <see cref="EncoderOutputKind.Pooled"/>: added once after the sum (<see langword="null"/>: none).</param>
/// <param name="SecondSegment">
/// With a <c>token_type_ids</c> input: added to the row of every token of type 1 (the second text of a pair and its
/// last separator), so a pipeline that feeds wrong token types gets other answers; <see langword="null"/>: types add zero.
/// </param>
public sealed record EncoderOutput(string Name, EncoderOutputKind Kind, float[,] Table, float[]? Bias = null, float[]? SecondSegment = null);

/// <summary>
/// Writes, at test time, the <c>model.onnx</c> of a tiny encoder whose outputs are lookups of token ids, so every
/// answer of a task pipeline on it is known in closed form: the Optimum inputs <c>input_ids</c> and
/// <c>attention_mask</c> (int64 [b, s]), <c>token_type_ids</c> when asked for (BERT; it must be fed, and adds
/// <see cref="EncoderOutput.SecondSegment"/> to the tokens of type 1, zero by default), and one output per <see cref="EncoderOutput"/>. Opset 17, built with the ONNX protobuf classes.
/// The task builders beside it (<see cref="TextClassificationModelWriter"/>, ...) write whole model folders.
/// </summary>
public static class OnnxEncoderModelWriter
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    /// <summary>Writes the graph to <paramref name="path"/> (its folder created when missing).</summary>
    /// <param name="path">The ONNX file, usually <c>&lt;folder&gt;/onnx/model.onnx</c>.</param>
    /// <param name="tokenTypeIds">Whether the graph has a <c>token_type_ids</c> input (BERT) or not (DistilBERT, RoBERTa, XLM-R).</param>
    /// <param name="outputs">The outputs, in order; every table has the same number of rows (the vocabulary size).</param>
    public static void Write(string path, bool tokenTypeIds, params EncoderOutput[] outputs)
    {
        if (outputs.Length == 0 || outputs.Select(o => o.Table.GetLength(0)).Distinct().Count() != 1)
        {
            throw new ArgumentException("Give at least one output, every table with one row per token.", nameof(outputs));
        }

        var graph = new GraphProto { Name = "tiny_encoder" };
        var next = 0;
        string Node(string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
        {
            var node = new NodeProto { OpType = op, Name = $"{op}_{next}" };
            node.Input.Add(inputs);
            node.Output.Add(output ?? $"{op}_{next}_out");
            next++;
            attributes?.Invoke(node);
            graph.Node.Add(node);
            return node.Output[0];
        }

        string Init(TensorProto tensor)
        {
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        string Ints(string name, params long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = Int64Type };
            tensor.Dims.Add(values.Length);
            tensor.Int64Data.Add(values);
            return Init(tensor);
        }

        graph.Input.Add(ValueInfo("input_ids", Int64Type, "batch_size", "sequence_length"));
        graph.Input.Add(ValueInfo("attention_mask", Int64Type, "batch_size", "sequence_length"));
        if (tokenTypeIds)
        {
            graph.Input.Add(ValueInfo("token_type_ids", Int64Type, "batch_size", "sequence_length"));
        }

        // [b, s, 1] float: the attention mask and the token types.
        var lastAxis = Ints("last_axis", -1);
        var mask = Node("Unsqueeze", [Node("Cast", ["attention_mask"], n => IntAttr(n, "to", FloatType)), lastAxis]);
        var types = tokenTypeIds ? Node("Unsqueeze", [Node("Cast", ["token_type_ids"], n => IntAttr(n, "to", FloatType)), lastAxis]) : null;

        for (var i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            var rows = o.Table.GetLength(0);
            var width = o.Table.GetLength(1);
            var table = new float[rows * width];
            Buffer.BlockCopy(o.Table, 0, table, 0, table.Length * sizeof(float));
            var x = Node("Gather", [Init(FloatTensor($"table_{i}", [rows, width], table)), "input_ids"], n => IntAttr(n, "axis", 0));
            if (types is not null)
            {
                // Types times the second segment's row (zeros by default, so that the types are a real input).
                var segment = o.SecondSegment ?? new float[width];
                if (segment.Length != width)
                {
                    throw new ArgumentException($"The second-segment row of {o.Name} needs {width} values.", nameof(outputs));
                }

                x = Node("Add", [x, Node("Mul", [types, Init(FloatTensor($"segment_{i}", [width], segment))])]);
            }

            switch (o.Kind)
            {
                case EncoderOutputKind.Pooled:
                    var sum = Node("ReduceSum", [Node("Mul", [x, mask]), Ints($"seq_axis_{i}", 1)], n => IntAttr(n, "keepdims", 0), o.Bias is null ? o.Name : null);
                    if (o.Bias is not null)
                    {
                        if (o.Bias.Length != width)
                        {
                            throw new ArgumentException($"The bias of {o.Name} needs {width} values.", nameof(outputs));
                        }

                        Node("Add", [sum, Init(FloatTensor($"bias_{i}", [width], o.Bias))], output: o.Name);
                    }

                    graph.Output.Add(ValueInfo(o.Name, FloatType, "batch_size", (long)width));
                    break;
                case EncoderOutputKind.PerToken:
                    Node("Identity", [x], output: o.Name);
                    graph.Output.Add(ValueInfo(o.Name, FloatType, "batch_size", "sequence_length", (long)width));
                    break;
                default:
                    if (width != 1)
                    {
                        throw new ArgumentException($"The table of the scalar output {o.Name} needs one column.", nameof(outputs));
                    }

                    Node("Squeeze", [x, lastAxis], output: o.Name);
                    graph.Output.Add(ValueInfo(o.Name, FloatType, "batch_size", "sequence_length"));
                    break;
            }
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "Bytez.Testing", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    /// <summary>A table of <paramref name="rows"/> × <paramref name="width"/> zeros with the given token rows set.</summary>
    /// <param name="vocabulary">The tokenizer's vocabulary (the rows).</param>
    /// <param name="width">The values per token.</param>
    /// <param name="rows">Token (vocabulary spelling) → its values; tokens not named stay zero.</param>
    public static float[,] Table(EncoderVocabulary vocabulary, int width, IReadOnlyDictionary<string, float[]> rows)
    {
        var table = new float[vocabulary.Size, width];
        foreach (var (token, values) in rows)
        {
            if (values.Length != width)
            {
                throw new ArgumentException($"The row of '{token}' has {values.Length} values, not {width}.", nameof(rows));
            }

            var id = vocabulary[token];
            for (var k = 0; k < width; k++)
            {
                table[id, k] = values[k];
            }
        }

        return table;
    }

    /// <summary>
    /// Writes a <c>config.json</c> for an encoder model: <c>model_type</c>, <c>architectures</c>, <c>vocab_size</c>,
    /// <c>max_position_embeddings</c>, the special ids, plus the task's own entries (labels, <c>problem_type</c>).
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="modelType">The Hugging Face model type: <c>bert</c>, <c>distilbert</c>, <c>roberta</c>, <c>xlm-roberta</c>.</param>
    /// <param name="architecture">The transformers class, e.g. <c>BertForSequenceClassification</c>.</param>
    /// <param name="vocabulary">The tokenizer's vocabulary.</param>
    /// <param name="maxPositions">The model's <c>max_position_embeddings</c>.</param>
    /// <param name="extra">More entries (overriding the defaults).</param>
    public static void WriteConfig(string folder, string modelType, string architecture, EncoderVocabulary vocabulary, int maxPositions, JsonObject? extra = null)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = modelType,
            ["vocab_size"] = vocabulary.Size,
            ["max_position_embeddings"] = maxPositions,
            ["hidden_size"] = 8,
            ["num_attention_heads"] = 1,
            ["num_hidden_layers"] = 1,
            ["pad_token_id"] = vocabulary[vocabulary.Pad],
            ["torch_dtype"] = "float32",
            ["transformers_version"] = "4.53.0",
        };
        if (vocabulary.Style != EncoderTokenizerStyle.WordPiece)
        {
            config["bos_token_id"] = vocabulary[vocabulary.Cls];
            config["eos_token_id"] = vocabulary[vocabulary.Sep];
        }

        if (modelType == "bert")
        {
            config["type_vocab_size"] = 2;
        }

        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value?.DeepClone();
        }

        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "config.json"), config);
    }

    /// <summary>The <c>id2label</c> and <c>label2id</c> entries of a classifier's config, in label order.</summary>
    public static JsonObject Labels(IReadOnlyList<string> labels)
    {
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (var i = 0; i < labels.Count; i++)
        {
            id2label[i.ToString(CultureInfo.InvariantCulture)] = labels[i];
            label2id[labels[i]] = i;
        }

        return new JsonObject { ["id2label"] = id2label, ["label2id"] = label2id };
    }

    /// <summary>The model type and whether it takes token types, for a tokenizer family: BERT (WordPiece with types), DistilBERT (without), RoBERTa, XLM-R.</summary>
    public static string ModelType(EncoderTokenizerStyle style, bool tokenTypeIds) => style switch
    {
        EncoderTokenizerStyle.WordPiece => tokenTypeIds ? "bert" : "distilbert",
        EncoderTokenizerStyle.ByteLevelBpe => "roberta",
        _ => "xlm-roberta",
    };

    /// <summary>The transformers class name prefix of a model type (<c>Bert</c>, <c>DistilBert</c>, <c>Roberta</c>, <c>XLMRoberta</c>).</summary>
    public static string ClassPrefix(string modelType) => modelType switch
    {
        "bert" => "Bert",
        "distilbert" => "DistilBert",
        "roberta" => "Roberta",
        "xlm-roberta" => "XLMRoberta",
        _ => throw new ArgumentOutOfRangeException(nameof(modelType), modelType, "No tiny encoder of this type."),
    };

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

    private static ValueInfoProto ValueInfo(string name, int type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string param
                ? new TensorShapeProto.Types.Dimension { DimParam = param }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } },
        };
    }

    private static void IntAttr(NodeProto node, string name, long value)
        => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
}
