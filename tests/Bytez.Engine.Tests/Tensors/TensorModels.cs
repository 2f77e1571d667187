using Bytez.Engine.Onnx;
using Bytez.Engine.Tensors;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tensors;

/// <summary>Loads a tiny vision or audio model folder the way the server does: format detection, then the ONNX runtime.</summary>
internal static class TensorModels
{
    /// <summary>The descriptor <see cref="OnnxModelFormat"/> gives the folder when no task is named.</summary>
    public static ModelDescriptor Describe(string folder, string? task = null) =>
        new OnnxModelFormat().TryDescribe(EncoderModelFolders.Id(folder), folder, task)
            ?? throw new InvalidOperationException($"The ONNX format did not recognise {folder}.");

    /// <summary>Describes the folder, checks the runtime takes it, and loads it.</summary>
    public static async Task<ITensorInstance> LoadAsync(string folder, OnnxRuntimeOptions? options = null)
    {
        var model = Describe(folder);
        var runtime = new OnnxRuntime(options ?? new OnnxRuntimeOptions { Sessions = 1 });
        Assert.True(runtime.CanLoad(model), $"The ONNX runtime does not take {model.Task} at {folder}.");
        var instance = await runtime.LoadAsync(model, TestContext.Current.CancellationToken);
        return Assert.IsAssignableFrom<ITensorInstance>(instance);
    }

    /// <summary>A row of one float input.</summary>
    public static TensorRow Row(string name, float[] values, params int[] shape) => new(name, TensorValue.Float(values, shape));

    /// <summary>Values in [-2, 2) from a seeded generator.</summary>
    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
    }

    /// <summary>Asserts two float sequences are equal within <paramref name="tolerance"/>.</summary>
    public static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
