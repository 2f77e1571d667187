using Bytez.Engine.Onnx;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Tests;

/// <summary>The ONNX session core: sessions sharing one copy of the weights, cancellable runs, errors as engine errors.</summary>
public sealed class OnnxSessionPoolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Open_SeveralSessions_ShareTheWeights_AndAnswerAlike()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("pool-shared"));
        using var pool = OnnxSessionPool.Open(Path.Combine(model.Folder, "onnx", "model.onnx"), new OnnxRuntimeOptions(), 3, Ct);

        Assert.Equal(3, pool.Count);
        Assert.True(pool.SharedWeightBytes > 0);
        var ids = model.Vocabulary.Ids("[CLS]", "good", "movie", "[SEP]");
        foreach (var session in pool.Sessions)
        {
            Assert.Equal([-2f, 3f], Run(session, ids, Ct));
        }
    }

    [Fact]
    public void Open_SessionsOfDifferentThreadCounts_ShareTheWeights_AndAnswerAlike()
    {
        // An encoder-decoder graph's shared 1-thread session and its wide one (OnnxThreadPlan).
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("pool-wide"));
        using var pool = OnnxSessionPool.Open(Path.Combine(model.Folder, "onnx", "model.onnx"), new OnnxRuntimeOptions(), [1, 2], Ct);

        Assert.Equal(2, pool.Count);
        Assert.True(pool.SharedWeightBytes > 0);
        var ids = model.Vocabulary.Ids("[CLS]", "good", "movie", "[SEP]");
        foreach (var session in pool.Sessions)
        {
            Assert.Equal([-2f, 3f], Run(session, ids, Ct));
        }
    }

    [Fact]
    public void Open_NotAnOnnxFile_InternalErrorNamingTheFile()
    {
        var folder = TinyEncoderRun.NewFolder("pool-garbage");
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllText(path, "not a model");

        var e = Assert.Throws<EngineException>(() => OnnxSessionPool.Open(path, new OnnxRuntimeOptions(), 1, Ct));

        Assert.Equal(EngineErrorKind.Internal, e.Kind);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CancelledToken_OperationCanceled_AndTheSessionStillRuns()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("pool-cancel"));
        using var pool = OnnxSessionPool.Open(Path.Combine(model.Folder, "onnx", "model.onnx"), new OnnxRuntimeOptions(), 1, Ct);
        var ids = model.Vocabulary.Ids("[CLS]", "bad", "[SEP]");

        Assert.Throws<OperationCanceledException>(() => Run(pool.Sessions[0], ids, new CancellationToken(canceled: true)));
        Assert.Equal([3f, -2f], Run(pool.Sessions[0], ids, Ct));
    }

    private static float[] Run(OnnxSession session, long[] ids, CancellationToken cancellationToken)
    {
        long[] shape = [1, ids.Length];
        var ones = Enumerable.Repeat(1L, ids.Length).ToArray();
        var names = session.Session.InputMetadata.Keys.ToArray();
        var inputs = names.Select(name => OrtValue.CreateTensorValueFromMemory(name switch
        {
            "input_ids" => ids,
            "attention_mask" => ones,
            _ => new long[ids.Length],
        }, shape)).ToArray();
        try
        {
            using var outputs = session.Run(names, inputs, ["logits"], cancellationToken);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }
}
