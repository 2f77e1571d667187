using System.Text.Json;
using Bytez.Engine.Embedded;

namespace Bytez.Engine.Tests;

public sealed class EmbeddedModelsTests
{
    [Fact]
    public void FindPackageAssembly_MiniLM_FindsTheDownloadedPackage()
    {
        var dll = EmbeddedModels.FindPackageAssembly(EmbeddedModels.MiniLM);

        Assert.True(File.Exists(dll));
        Assert.Contains("24.9.52193", dll, StringComparison.Ordinal);
    }

    [Fact]
    public void GetResourceNames_PackageAssemblies_ListModelAndVocab()
    {
        foreach (var spec in EmbeddedModels.All)
        {
            var names = ManifestResourceReader.GetResourceNames(EmbeddedModels.FindPackageAssembly(spec));

            Assert.Contains(spec.ResourcePrefix + "model.onnx", names);
            Assert.Contains(spec.ResourcePrefix + "vocab.txt", names);
        }
    }

    [Fact]
    public void CopyResource_UnknownName_ThrowsFileNotFound()
    {
        var dll = EmbeddedModels.FindPackageAssembly(EmbeddedModels.MiniLM);

        Assert.Throws<FileNotFoundException>(() => ManifestResourceReader.ReadResource(dll, "nope.txt"));
    }

    [Fact]
    public void EnsureExtracted_Descriptors_HaveTaskSourceAndSize()
    {
        var mini = TestModels.MiniLM;
        var arctic = TestModels.ArcticXs;

        Assert.Equal("sentence-similarity", mini.Task);
        Assert.Equal("feature-extraction", arctic.Task);
        Assert.Equal(ModelSource.Embedded, mini.Source);
        Assert.Equal(ModelSource.Embedded, arctic.Source);
        Assert.InRange(mini.ParameterCount, 22_500_000, 22_800_000);
        Assert.InRange(arctic.ParameterCount, 22_500_000, 22_800_000);
        var onnxBytes = new FileInfo(Path.Combine(mini.Path, "onnx", "model.onnx")).Length;
        Assert.Equal(EmbeddedModels.EstimateRamBytes(onnxBytes), mini.EstimatedRamBytes);
        Assert.Equal(Path.Combine(TestModels.Root, "sentence-transformers", "all-MiniLM-L6-v2"), mini.Path);
    }

    [Fact]
    public void EnsureExtracted_Layout_MatchesSentenceTransformersFolders()
    {
        var mini = TestModels.MiniLM.Path;
        var arctic = TestModels.ArcticXs.Path;

        foreach (var folder in new[] { mini, arctic })
        {
            foreach (var file in new[] { "onnx/model.onnx", "vocab.txt", "tokenizer_config.json", "config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", EmbeddedModels.SidecarFileName })
            {
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{folder}/{file} is missing");
            }

            Assert.True(Directory.Exists(Path.Combine(folder, "2_Normalize")));
            Assert.Equal(30522, File.ReadAllLines(Path.Combine(folder, "vocab.txt")).Length);
            var modules = Json(folder, "modules.json");
            Assert.Equal(
                ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling", "sentence_transformers.models.Normalize"],
                modules.EnumerateArray().Select(m => m.GetProperty("type").GetString()!).ToArray());
            var tokenizer = Json(folder, "tokenizer_config.json");
            Assert.True(tokenizer.GetProperty("do_lower_case").GetBoolean());
            Assert.Equal("bert", Json(folder, "config.json").GetProperty("model_type").GetString());
        }

        Assert.Equal(256, Json(mini, "sentence_bert_config.json").GetProperty("max_seq_length").GetInt32());
        Assert.Equal(512, Json(arctic, "sentence_bert_config.json").GetProperty("max_seq_length").GetInt32());
        Assert.True(Json(mini, "1_Pooling/config.json").GetProperty("pooling_mode_mean_tokens").GetBoolean());
        Assert.False(Json(mini, "1_Pooling/config.json").GetProperty("pooling_mode_cls_token").GetBoolean());
        Assert.True(Json(arctic, "1_Pooling/config.json").GetProperty("pooling_mode_cls_token").GetBoolean());
        Assert.False(Json(arctic, "1_Pooling/config.json").GetProperty("pooling_mode_mean_tokens").GetBoolean());
        Assert.Equal(
            "Represent this sentence for searching relevant passages: ",
            Json(arctic, "config_sentence_transformers.json").GetProperty("prompts").GetProperty("query").GetString());
        Assert.False(File.Exists(Path.Combine(mini, "config_sentence_transformers.json")));
    }

    [Fact]
    public void EnsureExtracted_AlreadyComplete_DoesNotRewrite()
    {
        var before = File.GetLastWriteTimeUtc(Path.Combine(TestModels.MiniLM.Path, "onnx", "model.onnx"));

        var again = EmbeddedModels.EnsureExtracted(TestModels.Root, EmbeddedModels.MiniLM, TestContext.Current.CancellationToken);

        Assert.Equal(TestModels.MiniLM, again);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(again.Path, "onnx", "model.onnx")));
    }

    [Fact]
    public async Task EnsureExtracted_ConcurrentCallsOnFreshRoot_ExtractOnceAndLeaveNoTemp()
    {
        var root = TestModels.NewTempFolder("extract");
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                Task.Run(() => EmbeddedModels.EnsureExtracted(root, EmbeddedModels.MiniLM, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)));

            Assert.All(results, r => Assert.Equal(results[0], r));
            Assert.Equal(["all-MiniLM-L6-v2"], Directory.GetDirectories(Path.Combine(root, "sentence-transformers")).Select(d => Path.GetFileName(d)!).ToArray());
            Assert.Equal(TestModels.MiniLM.ParameterCount, results[0].ParameterCount);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TryReadDescriptor_IncompleteFolder_ReturnsNull()
    {
        var folder = TestModels.NewTempFolder("incomplete");
        try
        {
            File.WriteAllText(Path.Combine(folder, EmbeddedModels.SidecarFileName), "{}");

            Assert.Null(EmbeddedModels.TryReadDescriptor(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static JsonElement Json(string folder, string file)
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, file))).RootElement.Clone();
}
