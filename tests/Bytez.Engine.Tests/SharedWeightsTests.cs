using Bytez.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Tests;

/// <summary>The sessions of an embedding instance share one copy of the weights (<see cref="OnnxRuntimeOptions.ShareWeights"/>).</summary>
public sealed class SharedWeightsTests
{
    private static readonly string[] Sentences =
    [
        "The weather is lovely today.",
        "It's so sunny outside!",
        "He drove to the stadium.",
        "A man is riding a white horse on an enclosed ground, while the crowd watches from the stands and cheers.",
        "what is snowflake?",
        "We flew from São Paulo to Zürich.",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int> ModelsAndSessions => new()
    {
        { "minilm", 2 },
        { "minilm", 4 },
        { "arctic", 2 },
        { "arctic", 3 },
    };

    [Theory]
    [MemberData(nameof(ModelsAndSessions))]
    public async Task Load_SharedWeights_EmbedsAsEachSessionWithItsOwnCopy(string name, int sessions)
    {
        var model = Model(name);
        using var own = OnnxEmbeddingInstance.Load(model, new OnnxRuntimeOptions { Sessions = sessions, ShareWeights = false }, Ct);
        using var shared = OnnxEmbeddingInstance.Load(model, new OnnxRuntimeOptions { Sessions = sessions }, Ct);

        Assert.Equal(0, own.SharedWeightBytes);
        Assert.True(shared.SharedWeightBytes > 80_000_000, $"{shared.SharedWeightBytes} bytes shared");

        // All at once (spread over the sessions), one by one, and concurrently (dynamic batches on every session).
        var expected = await own.EmbedAsync(Sentences, new EmbeddingOptions(), Ct);
        AssertWithin(expected, await shared.EmbedAsync(Sentences, new EmbeddingOptions(), Ct), 1e-6f);
        for (var i = 0; i < Sentences.Length; i++)
        {
            AssertWithin([expected[i]], await shared.EmbedAsync([Sentences[i]], new EmbeddingOptions(), Ct), 1e-6f);
        }

        var concurrent = await Task.WhenAll(Sentences.Select(s => shared.EmbedAsync([s], new EmbeddingOptions(), Ct).AsTask()));
        AssertWithin(expected, [.. concurrent.Select(v => v[0])], 1e-6f);
    }

    [Fact]
    public void Load_OneSession_SharesNothing()
    {
        using var instance = OnnxEmbeddingInstance.Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1 }, Ct);

        Assert.Equal(0, instance.SharedWeightBytes); // nothing to share; holding the originals beside ORT's packed copies would cost more
    }

    [Fact]
    public void Read_MiniLM_TakesEveryInitializerAndWritesASlimModel()
    {
        var onnx = OnnxPath(TestModels.MiniLM);
        using var shared = SharedInitializers.Read(onnx);

        var file = new FileInfo(onnx).Length;
        Assert.Equal(148, shared.Count);
        Assert.InRange(shared.Bytes, file - 200_000, file); // the file is the weights plus a few kilobytes of graph
        Assert.Contains("embeddings.word_embeddings.weight", shared.Names);
        Assert.NotNull(shared.SlimModel);
        Assert.InRange(shared.SlimModel.Length, 1, 200_000);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(onnx)), shared.SlimModelFolder);
    }

    [Fact]
    public void SlimModel_LoadsInOnnxRuntimeAndRunsAsTheFile()
    {
        // The instance falls back to the file when ONNX Runtime refuses the slim model; this pins that it does not.
        var onnx = OnnxPath(TestModels.ArcticXs);
        using var shared = SharedInitializers.Read(onnx);
        using var slimOptions = new SessionOptions();
        shared.AddTo(slimOptions);
        slimOptions.AddSessionConfigEntry(SharedInitializers.ExternalDataFolderKey, shared.SlimModelFolder!);
        using var prepacked = new PrePackedWeightsContainer();
        using var slim = new InferenceSession(shared.SlimModel!, slimOptions, prepacked);
        using var file = new InferenceSession(onnx);

        long[] ids = [101, 2054, 2003, 4586, 12169, 1029, 102];
        Assert.Equal(Run(file, ids), Run(slim, ids));
    }

    [Fact]
    public async Task Load_LinkedModelFile_ResolvesTheLinkAndEmbedsTheSame()
    {
        // A Hugging Face cache snapshot links model.onnx to a blob elsewhere; ONNX Runtime refuses external data that
        // resolves outside the model's folder, so the slim model must name the link's target.
        var model = TestModels.MiniLM with { Path = TestModels.CloneModel(TestModels.MiniLM, "shared-weights-link") };
        var linked = OnnxPath(model);
        Assert.NotNull(new FileInfo(linked).LinkTarget);

        using (var shared = SharedInitializers.Read(linked))
        {
            Assert.Equal(Path.GetDirectoryName(OnnxPath(TestModels.MiniLM)), shared.SlimModelFolder);
        }

        using var own = OnnxEmbeddingInstance.Load(model, new OnnxRuntimeOptions { Sessions = 2, ShareWeights = false }, Ct);
        using var instance = OnnxEmbeddingInstance.Load(model, new OnnxRuntimeOptions { Sessions = 2 }, Ct);
        Assert.True(instance.SharedWeightBytes > 0);
        AssertWithin(await own.EmbedAsync(Sentences, new EmbeddingOptions(), Ct), await instance.EmbedAsync(Sentences, new EmbeddingOptions(), Ct), 1e-6f);
    }

    [Fact]
    public void Read_NotAnOnnxFile_ThrowsInvalidData()
    {
        var folder = TestModels.NewTempFolder("shared-weights-bad");
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]); // a field longer than the file

        Assert.Throws<InvalidDataException>(() => SharedInitializers.Read(path));
    }

    [Fact]
    public void AddTo_AfterDispose_Throws()
    {
        var shared = SharedInitializers.Read(OnnxPath(TestModels.MiniLM));
        shared.Dispose();
        using var options = new SessionOptions();

        Assert.Throws<ObjectDisposedException>(() => shared.AddTo(options));
    }

    private static ModelDescriptor Model(string name) => name == "minilm" ? TestModels.MiniLM : TestModels.ArcticXs;

    private static string OnnxPath(ModelDescriptor model) => SentenceTransformerConfig.Load(model.Path).OnnxPath;

    private static float[] Run(InferenceSession session, long[] ids)
    {
        long[] shape = [1, ids.Length];
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, shape),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(ids.Select(_ => 1L).ToArray(), shape),
        };
        if (session.InputMetadata.ContainsKey("token_type_ids"))
        {
            inputs["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        }

        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs, [session.OutputMetadata.Keys.First()]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private static void AssertWithin(float[][] expected, float[][] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            var worst = 0f;
            for (var j = 0; j < expected[i].Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i][j] - actual[i][j]));
            }

            Assert.True(worst <= tolerance, $"row {i}: max abs diff {worst}");
        }
    }
}
