using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace Bytez.Testing.TinyModels;

/// <summary>
/// A small helper that writes hand-designed ONNX graphs (opset 17, ONNX protobuf classes) for the tiny vision and
/// audio models: inputs and outputs with named dynamic axes, constant tensors, and nodes named in order.
/// </summary>
public sealed class OnnxGraphBuilder(string name)
{
    /// <summary>The ONNX element type of float32.</summary>
    public const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>The ONNX element type of int64.</summary>
    public const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    private readonly GraphProto _graph = new() { Name = name };
    private int _next;

    /// <summary>Declares an input; a dimension is a <see cref="string"/> (a named dynamic axis) or a number.</summary>
    public string Input(string name, int type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares an output (a node must produce a value of this name).</summary>
    public void Output(string name, int type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>Adds a node and returns its (first) output name: <paramref name="output"/>, or a generated one.</summary>
    public string Node(string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_next}" };
        node.Input.Add(inputs);
        node.Output.Add(output ?? $"{op}_{_next}_out");
        _next++;
        attributes?.Invoke(node);
        _graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>A float32 constant of the given shape.</summary>
    public string Floats(string name, int[] dims, float[] data)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.Add(dims.Select(d => (long)d));
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        tensor.RawData = ByteString.CopyFrom(bytes);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A one-dimensional int64 constant (axes, shapes).</summary>
    public string Ints(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = Int64Type };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.Add(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Sets an integer attribute.</summary>
    public static void Int(NodeProto node, string name, long value)
        => node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>Sets an integer-list attribute.</summary>
    public static void IntList(NodeProto node, string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        node.Attribute.Add(attribute);
    }

    /// <summary>Writes the model (its folder created when missing).</summary>
    public void Save(string path)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "Bytez.Testing", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    private static ValueInfoProto ValueInfo(string name, int type, object[] dims)
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
}
