using System.Collections.Concurrent;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Tensors;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tensors;

/// <summary>
/// <see cref="OnnxTensorInstance"/> on real ONNX Runtime sessions over the tiny models: concurrent rows of equal shapes
/// batched, rows of other shapes never mixed in, wrong rows refused with the input named, cancellation.
/// </summary>
public sealed class OnnxTensorInstanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static OnnxTensorInstance LoadClassifier(string name, OnnxRuntimeOptions options)
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder(name));
        return OnnxTensorInstance.Load(TensorModels.Describe(model.Folder), options, Ct);
    }

    private static TensorRow Image(int seed, int height, int width) =>
        TensorModels.Row("pixel_values", TensorModels.Random(3 * height * width, seed), 3, height, width);

    private static float[] Expected(TensorRow row) =>
        ImageClassifierModel.Logits(row.Inputs["pixel_values"].Floats!, row.Inputs["pixel_values"].Shape[1], row.Inputs["pixel_values"].Shape[2]);

    [Fact]
    public async Task RunAsync_ConcurrentCallsOfEqualShapes_RunAsOneBatch()
    {
        using var gate = new SemaphoreSlim(0);
        using var instance = LoadClassifier("tensor-batch", new OnnxRuntimeOptions { Sessions = 1, MaxBatchSize = 8 });
        var sizes = new ConcurrentQueue<int>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        instance.BatchObserver = size =>
        {
            sizes.Enqueue(size);
            if (sizes.Count == 1)
            {
                running.TrySetResult();
                gate.Wait(); // holds the only session while the next callers queue
            }
        };

        var first = instance.RunAsync([Image(0, 6, 6)], Ct).AsTask();
        await running.Task.WaitAsync(Ct);
        var rows = Enumerable.Range(1, 5).Select(seed => Image(seed, 6, 6)).ToArray();
        var calls = rows.Select(row => instance.RunAsync([row], Ct).AsTask()).ToArray();
        gate.Release();

        await first;
        var results = await Task.WhenAll(calls);
        Assert.Equal([1, 5], sizes); // the five queued calls ran as one batch
        for (var i = 0; i < rows.Length; i++)
        {
            TensorModels.AssertClose(Expected(rows[i]), results[i][0]["logits"].AsFloats(), 1e-5f);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_RowsOfDifferentShapes_RunInSeparateBatches(bool dynamicBatching)
    {
        using var instance = LoadClassifier($"tensor-shapes-{dynamicBatching}", new OnnxRuntimeOptions { Sessions = 1, DynamicBatching = dynamicBatching });
        var sizes = new ConcurrentQueue<int>();
        instance.BatchObserver = sizes.Enqueue;

        // [3, 8, 8] and [3, 4, 16] hold as many values, yet are different shapes: never stacked together.
        TensorRow[] rows = [Image(1, 8, 8), Image(2, 4, 16), Image(3, 8, 8), Image(4, 16, 16), Image(5, 8, 8)];
        var results = await instance.RunAsync(rows, Ct);

        Assert.Equal([1, 1, 3], sizes.Order());
        for (var i = 0; i < rows.Length; i++)
        {
            TensorModels.AssertClose(Expected(rows[i]), results[i]["logits"].AsFloats(), 1e-5f);
        }
    }

    [Fact]
    public async Task RunAsync_WrongRows_AreRefusedNamingTheInput()
    {
        var model = AudioClassifierModelWriter.Write(TinyEncoderRun.NewFolder("tensor-wrong"));
        using var instance = OnnxTensorInstance.Load(TensorModels.Describe(model.Folder), new OnnxRuntimeOptions { Sessions = 1 }, Ct);

        var rank = await Assert.ThrowsAsync<EngineException>(() => instance.RunAsync([TensorModels.Row("input_values", new float[8], 2, 4)], Ct).AsTask());
        Assert.Equal(EngineErrorKind.BadInput, rank.Kind);
        Assert.Contains("'input_values' has the shape [2, 4]", rank.Message, StringComparison.Ordinal);
        Assert.Contains("[?] per row", rank.Message, StringComparison.Ordinal);

        var type = await Assert.ThrowsAsync<EngineException>(() => instance.RunAsync([new TensorRow("input_values", TensorValue.Int64(new long[4], 4))], Ct).AsTask());
        Assert.Equal(EngineErrorKind.BadInput, type.Kind);
        Assert.Contains("input_values float32", type.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<EngineException>(() => instance.RunAsync([TensorModels.Row("pixel_values", new float[3], 3)], Ct).AsTask());
        Assert.Equal(EngineErrorKind.NotSupported, unknown.Kind);
        Assert.Contains("no input 'pixel_values'", unknown.Message, StringComparison.Ordinal);

        var detector = ObjectDetectorModelWriter.Write(TinyEncoderRun.NewFolder("tensor-missing"), pixelMask: true);
        using var masked = OnnxTensorInstance.Load(TensorModels.Describe(detector.Folder), new OnnxRuntimeOptions { Sessions = 1 }, Ct);
        var missing = await Assert.ThrowsAsync<EngineException>(() => masked.RunAsync([Image(1, 4, 4)], Ct).AsTask());
        Assert.Equal(EngineErrorKind.NotSupported, missing.Kind);
        Assert.Contains("pixel_mask int64 [?, ?, ?]", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_WholeFeeds_RunAloneWithTheirOwnBatchAxes_BesideOrdinaryRows(bool dynamicBatching)
    {
        // The tiny SigLIP graph: input_ids [texts, tokens], pixel_values [images, 3, H, W] → logits_per_image [images, texts].
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder($"tensor-whole-{dynamicBatching}"), DualEncoderStyle.Siglip);
        using var instance = OnnxTensorInstance.Load(TensorModels.Describe(model.Folder), new OnnxRuntimeOptions { Sessions = 1, DynamicBatching = dynamicBatching }, Ct);
        var sizes = new ConcurrentQueue<int>();
        instance.BatchObserver = sizes.Enqueue;
        var red = Tokens(model.Folder, "red");
        var blue = Tokens(model.Folder, "blue");
        TensorRow Feed(float[] pixels, int images) => TensorRow.Whole(new Dictionary<string, TensorValue>
        {
            ["input_ids"] = TensorValue.Int64([.. red, .. blue], 2, red.Length),
            ["pixel_values"] = TensorValue.Float(pixels, images, 3, 2, 2),
        });
        var two = Feed([.. MediaModelFolders.Uniform(2, 2, 1, 0, 0), .. MediaModelFolders.Uniform(2, 2, 0, 0, 1)], 2);
        var one = Feed(MediaModelFolders.Uniform(2, 2, 0, 0, 1), 1);
        var same = Feed(MediaModelFolders.Uniform(2, 2, 0.5f, 0, 0), 1); // as many values as `one`: never stacked with it

        var results = await instance.RunAsync([two, one, same], Ct);

        Assert.Equal([1, 1, 1], sizes);
        var logits = results[0]["logits_per_image"];
        Assert.Equal([2, 2], logits.Shape);
        double Expected(double[] means, string word) => model.Logit(means, [word]);
        TensorModels.AssertClose(
            [(float)Expected([1, 0, 0], "red"), (float)Expected([1, 0, 0], "blue"), (float)Expected([0, 0, 1], "red"), (float)Expected([0, 0, 1], "blue")],
            logits.AsFloats(), 1e-5f);
        Assert.Equal([1, 2], results[1]["logits_per_image"].Shape);
        TensorModels.AssertClose([(float)Expected([0, 0, 1], "red"), (float)Expected([0, 0, 1], "blue")], results[1]["logits_per_image"].AsFloats(), 1e-5f);
        TensorModels.AssertClose([(float)Expected([0.5, 0, 0], "red"), (float)Expected([0.5, 0, 0], "blue")], results[2]["logits_per_image"].AsFloats(), 1e-5f);
        Assert.Equal([2, 2], results[0]["logits_per_text"].Shape);

        var rowShaped = await Assert.ThrowsAsync<EngineException>(() => instance.RunAsync(
            [TensorRow.Whole(new Dictionary<string, TensorValue> { ["input_ids"] = TensorValue.Int64(red, red.Length), ["pixel_values"] = TensorValue.Float(new float[12], 3, 2, 2) })], Ct).AsTask());
        Assert.Equal(EngineErrorKind.BadInput, rowShaped.Kind);
        Assert.Contains("'input_ids' has the shape [64]; the model takes input_ids int64 [?, ?]", rowShaped.Message, StringComparison.Ordinal);
    }

    private static long[] Tokens(string folder, string word) =>
        [.. Bytez.Engine.Tokenization.HuggingFace.HfTokenizer.FromDirectory(folder).Encode(word, null, new Bytez.Engine.Tokenization.HuggingFace.EncodeOptions { PadToLength = 64, MaxLength = 64 }).Ids.Select(id => (long)id)];

    [Fact]
    public void TensorValue_ValuesThatDoNotFillTheShape_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => TensorValue.Float(new float[5], 3, 2));
        Assert.Throws<ArgumentException>(() => TensorValue.Int64(new long[0], -1));
    }

    [Fact]
    public async Task RunAsync_Cancelled_QueuedCallerNeverRuns_RunningCallerStops_InstanceStillServes()
    {
        using var gate = new SemaphoreSlim(0);
        using var instance = LoadClassifier("tensor-cancel", new OnnxRuntimeOptions { Sessions = 1 });
        var sizes = new ConcurrentQueue<int>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        instance.BatchObserver = size =>
        {
            sizes.Enqueue(size);
            if (sizes.Count == 1)
            {
                running.TrySetResult();
                gate.Wait();
            }
        };

        using var runningCts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var first = instance.RunAsync([Image(1, 4, 4)], runningCts.Token).AsTask();
        await running.Task.WaitAsync(Ct);
        using var queuedCts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var queued = instance.RunAsync([Image(2, 5, 5)], queuedCts.Token).AsTask();

        await queuedCts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await runningCts.CancelAsync(); // the batch's only caller gives up: its run is terminated
        gate.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        var row = Image(3, 4, 4);
        var after = await instance.RunAsync([row], Ct);
        TensorModels.AssertClose(Expected(row), after[0]["logits"].AsFloats(), 1e-5f);
        Assert.Equal([1, 1], sizes); // the queued caller's row never ran
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_Throws()
    {
        using var instance = LoadClassifier("tensor-cancelled", new OnnxRuntimeOptions { Sessions = 1, DynamicBatching = false });
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => instance.RunAsync([Image(1, 4, 4)], cts.Token).AsTask());
    }
}
