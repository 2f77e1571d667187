using System.Text.Json;
using Bytez.Engine.Onnx;

namespace Bytez.Engine.Tests;

/// <summary>The store records which format recognised a model and which weight files it chose, and reads the record back.</summary>
public sealed class ModelStoreTests
{
    [Theory]
    [InlineData("onnx/model_quantized.onnx")]
    [InlineData("model.onnx")]
    public void Inspect_EncoderInAConversionsLayout_RecordsTheFormatAndTheFileChosen(string weightsPath)
    {
        var folder = CloneWithWeightsAt(weightsPath);
        var store = new ModelStore(TestModels.NewTempFolder("store"), [new OnnxModelFormat()]);

        var model = store.Inspect(folder, "org/converted");

        Assert.Equal(new OnnxModelFormat().Name, model.Format);
        Assert.Equal([weightsPath], model.WeightFiles);
        Assert.Equal(Path.Combine(folder, weightsPath), model.MainWeightFile);
        Assert.Equal(TestModels.ArcticXs.ParameterCount, model.ParameterCount);
    }

    [Fact]
    public void Scan_ManifestNamingTheFormat_AsksThatFormatAloneAndAnOldManifestProbesThemAll()
    {
        var folder = CloneWithWeightsAt("onnx/model.onnx");
        var probe = new CountingFormat();
        var root = TestModels.NewTempFolder("store");
        var store = new ModelStore(root, [probe, new OnnxModelFormat()]);

        var added = store.Add(folder, "org/recorded");
        var manifestPath = Path.Combine(root, "org", "recorded", ModelStore.LocalManifestFileName);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath)))
        {
            Assert.Equal(new OnnxModelFormat().Name, manifest.RootElement.GetProperty("format").GetString());
        }

        probe.Calls = 0;
        var scanned = Assert.Single(store.Scan());
        Assert.Equal(0, probe.Calls);
        Assert.Equal(added.WeightFiles, scanned.WeightFiles);
        Assert.Equal(added.Format, scanned.Format);

        // A manifest written before formats were recorded: every format is asked, in order, as before.
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = "org/recorded", ["source"] = folder }));
        Assert.Single(store.Scan());
        Assert.Equal(1, probe.Calls);
    }

    /// <summary>A copy of the small embedding model whose ONNX file (linked, not copied) sits at <paramref name="weightsPath"/>.</summary>
    private static string CloneWithWeightsAt(string weightsPath)
    {
        var folder = TestModels.CloneModel(TestModels.ArcticXs, "layout");
        Directory.Delete(Path.Combine(folder, "2_Normalize"));
        File.Delete(Path.Combine(folder, "bytez-model.json"));
        var onnx = Path.Combine(folder, "onnx", "model.onnx");
        var target = Path.Combine(folder, weightsPath.Replace('/', Path.DirectorySeparatorChar));
        if (target != onnx)
        {
            File.Move(onnx, target);
        }

        if (!weightsPath.StartsWith("onnx/", StringComparison.Ordinal))
        {
            Directory.Delete(Path.Combine(folder, "onnx"));
        }

        return folder;
    }

    /// <summary>A format that recognises nothing and counts how often it is asked.</summary>
    private sealed class CountingFormat : IModelFormat
    {
        public int Calls { get; set; }

        public string Name => "counting";

        public ModelDescriptor? TryDescribe(string id, string path, string? task)
        {
            Calls++;
            return null;
        }
    }
}
