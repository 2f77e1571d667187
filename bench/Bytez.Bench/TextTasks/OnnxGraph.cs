using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// A small ONNX graph builder for the benchmark's random-weight models: nodes, initializers with seeded random
/// weights, the transformer pieces (linear, layer norm, multi-head attention) and the model file.
/// </summary>
internal sealed class OnnxGraph(string name, int seed)
{
    public const int FloatType = (int)TensorProto.Types.DataType.Float;
    public const int Int64Type = (int)TensorProto.Types.DataType.Int64;
    public const int BoolType = (int)TensorProto.Types.DataType.Bool;
    private readonly Random _random = new(seed);
    private int _next;

    public GraphProto Graph { get; } = new() { Name = name };

    /// <summary>Parameters written so far (float weights).</summary>
    public long Parameters { get; private set; }

    public void Input(string input, int type, params object[] dims) => Graph.Input.Add(ValueInfo(input, type, dims));

    public void Output(string output, int type, params object[] dims) => Graph.Output.Add(ValueInfo(output, type, dims));

    public string Node(string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{Graph.Name}_{_next}" };
        node.Input.Add(inputs);
        node.Output.Add(output ?? $"{Graph.Name}_{op}_{_next}");
        _next++;
        attributes?.Invoke(node);
        Graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>A weight of normal(0, std) values (uniform with the same spread: only the shape matters here).</summary>
    public string Weight(string weight, int[] dims, float std, float mean = 0f)
    {
        var count = dims.Aggregate(1, (a, b) => a * b);
        var data = new float[count];
        var half = std * MathF.Sqrt(3f);
        for (var i = 0; i < count; i++)
        {
            data[i] = mean + ((_random.NextSingle() * 2f) - 1f) * half;
        }

        Parameters += count;
        return Init(FloatTensor(weight, dims, data));
    }

    public string Floats(string tensor, int[] dims, float[] data) => Init(FloatTensor(tensor, dims, data));

    public string Ints(string tensor, params long[] values)
    {
        var t = new TensorProto { Name = tensor, DataType = Int64Type };
        t.Dims.Add(values.Length);
        t.Int64Data.Add(values);
        return Init(t);
    }

    public string Scalar(string tensor, float value) => Init(FloatTensor(tensor, [], [value]));

    public string ScalarInt(string tensor, long value)
    {
        var t = new TensorProto { Name = tensor, DataType = Int64Type };
        t.Int64Data.Add(value);
        return Init(t);
    }

    public string Linear(string x, string weight, int inputs, int outputs)
        => Node("Add", [Node("MatMul", [x, Weight(weight + ".weight", [inputs, outputs], 0.02f)]), Weight(weight + ".bias", [outputs], 0.02f)]);

    public string LayerNorm(string x, string weight, int width)
        => Node("LayerNormalization", [x, Weight(weight + ".weight", [width], 0.05f, 1f), Weight(weight + ".bias", [width], 0.02f)],
            n => { IntAttr(n, "axis", -1); FloatAttr(n, "epsilon", 1e-5f); });

    /// <summary>[b, s, d] → [b, heads, s, d/heads].</summary>
    public string SplitHeads(string x, string shape) => Node("Transpose", [Node("Reshape", [x, shape])], n => IntsAttr(n, "perm", [0, 2, 1, 3]));

    /// <summary>Scaled dot-product attention of [b, h, s, dh] queries over [b, h, t, dh] keys/values, plus an additive mask broadcastable to [b, h, s, t]; returns [b, s, d].</summary>
    public string Attend(string q, string k, string v, string? additiveMask, string scale, string mergeShape)
    {
        var scores = Node("Mul", [Node("MatMul", [q, Node("Transpose", [k], n => IntsAttr(n, "perm", [0, 1, 3, 2]))]), scale]);
        if (additiveMask is not null)
        {
            scores = Node("Add", [scores, additiveMask]);
        }

        var probs = Node("Softmax", [scores], n => IntAttr(n, "axis", -1));
        var context = Node("Transpose", [Node("MatMul", [probs, v])], n => IntsAttr(n, "perm", [0, 2, 1, 3]));
        return Node("Reshape", [context, mergeShape]);
    }

    public ModelProto Model(int opset = 17)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "Bytez.Bench", Graph = Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        return model;
    }

    public static void Save(ModelProto model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static void IntAttr(NodeProto node, string attribute, long value)
        => node.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Int, I = value });

    public static void FloatAttr(NodeProto node, string attribute, float value)
        => node.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Float, F = value });

    public static void IntsAttr(NodeProto node, string attribute, long[] values)
    {
        var a = new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        node.Attribute.Add(a);
    }

    public static void GraphAttr(NodeProto node, string attribute, GraphProto graph)
        => node.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Graph, G = graph });

    public static ValueInfoProto ValueInfo(string value, int type, params object[] dims)
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
            Name = value,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } },
        };
    }

    private string Init(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private static TensorProto FloatTensor(string tensor, int[] dims, float[] data)
    {
        var t = new TensorProto { Name = tensor, DataType = FloatType };
        foreach (var dim in dims)
        {
            t.Dims.Add(dim);
        }

        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }
}
