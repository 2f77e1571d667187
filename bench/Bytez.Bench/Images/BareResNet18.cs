using Bytez.Engine.Onnx.Embedded;
using Bytez.Media;
using Bytez.Media.Images;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Images;

/// <summary>
/// ResNet18 on bare ONNX Runtime, what a user writes by hand around the two graphs of the package
/// (<c>preprocess.onnx</c>, then <c>model.onnx</c>): each image decoded (<see cref="ImageDecoder"/>), resized and
/// cropped to 224 × 224 RGB planes (<see cref="ResNet18Featurizer.InputPlanes"/>, the same code the server runs), the
/// planes of <c>batch</c> images stacked, then the two runs. <c>workers</c> loops run in parallel on one pair of
/// sessions, each taking the next images; every session uses <c>threads</c> intra-op threads.
/// </summary>
internal sealed class BareResNet18 : IDisposable
{
    private const int Plane = 3 * ResNet18Featurizer.ImageSize * ResNet18Featurizer.ImageSize;
    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _model;
    private readonly int _workers;

    public BareResNet18(string modelFolder, int workers, int threads)
    {
        _workers = workers;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _preprocess = new InferenceSession(Path.Combine(modelFolder, "onnx", "preprocess.onnx"), options);
        _model = new InferenceSession(Path.Combine(modelFolder, "onnx", "model.onnx"), options);
        Description = $"{workers} × {threads} thread{(threads == 1 ? string.Empty : "s")}";
    }

    public string Description { get; }

    /// <summary>Whether the graphs take <paramref name="batch"/> images in one run (the package's are fixed at 1).</summary>
    public bool Accepts(int batch, out string? refusal)
    {
        try
        {
            Run(new float[batch * Plane], batch);
            refusal = null;
            return true;
        }
        catch (OnnxRuntimeException e)
        {
            refusal = e.Message.Split('\n')[0];
            return false;
        }
    }

    /// <summary>The 512 features of each image file, in order.</summary>
    public async Task<float[][]> FeaturesAsync(IReadOnlyList<byte[]> files, int batch)
    {
        var results = new float[files.Count][];
        var next = -batch;
        var workers = Enumerable.Range(0, _workers).Select(_ => Task.Run(() =>
        {
            int start;
            while ((start = Interlocked.Add(ref next, batch)) < files.Count)
            {
                var count = Math.Min(batch, files.Count - start);
                var planes = new float[count * Plane];
                for (var i = 0; i < count; i++)
                {
                    var image = ImageDecoder.Decode(files[start + i], new MediaLimits());
                    ResNet18Featurizer.InputPlanes(image).CopyTo(planes, i * Plane);
                }

                var features = Run(planes, count);
                for (var i = 0; i < count; i++)
                {
                    results[start + i] = features.AsSpan(i * ResNet18Featurizer.Dimensions, ResNet18Featurizer.Dimensions).ToArray();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return results;
    }

    private float[] Run(float[] planes, int count)
    {
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(planes, [count, 3, ResNet18Featurizer.ImageSize, ResNet18Featurizer.ImageSize]);
        using var prepared = _preprocess.Run(runOptions, [_preprocess.InputMetadata.Keys.Single()], [input], [_preprocess.OutputMetadata.Keys.Single()]);
        using var features = _model.Run(runOptions, [_model.InputMetadata.Keys.Single()], [prepared[0]], [_model.OutputMetadata.Keys.Single()]);
        return features[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        _preprocess.Dispose();
        _model.Dispose();
    }
}
