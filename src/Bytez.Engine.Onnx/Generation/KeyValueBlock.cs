using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// The <c>present.*</c> outputs of one run, kept as the key/value cache of the sequences in it: one tensor
/// [rows, kv_heads, columns, head_dim] per cache input. Row <c>r</c> belongs to one sequence, whose real positions are
/// the last ones of the row (left padding before them). Shared by the sequences of the run; the last one to let go
/// disposes the tensors. A <see cref="PrefixCache"/> entry holds a reference too while it keeps the block.
/// </summary>
internal sealed class KeyValueBlock
{
    private int _references;

    public KeyValueBlock(OrtValue[] tensors, int rows, int columns, int references)
    {
        Tensors = tensors;
        Rows = rows;
        Columns = columns;
        _references = references;
        if (references == 0)
        {
            DisposeTensors();
        }
    }

    public OrtValue[] Tensors { get; }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Takes one more reference; only valid while the caller already holds one.</summary>
    public void Retain() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            DisposeTensors();
        }
    }

    private void DisposeTensors()
    {
        foreach (var tensor in Tensors)
        {
            tensor.Dispose();
        }
    }
}
