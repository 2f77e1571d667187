using System.Text.Json;
using Bytez.Engine.Embedded;

namespace Bytez.Engine.Tests.Embedded;

public sealed class EmbeddedMediaModelsTests
{
    [Fact]
    public void EnsureInstalled_FreshRoot_InstallsTheServedModels()
    {
        var root = TestModels.NewTempFolder("media-served");
        var missing = new List<string>();

        var models = EmbeddedMediaModels.EnsureInstalled(root, (spec, _) => missing.Add(spec.Id), TestContext.Current.CancellationToken);

        Assert.Empty(missing);
        Assert.Equal(
            [("microsoft/dnn-image-featurizer-resnet18", "image-feature-extraction"), ("PaddlePaddle/PP-OCRv4_mobile", "image-to-text"), ("onnx-community/silero-vad", "audio-classification")],
            models.Select(m => (m.Id, m.Task)));
    }

    [Fact]
    public void EnsureInstalled_EachSpec_InstallsItWithItsFilesConfigAndSidecar()
    {
        var root = TestModels.NewTempFolder("media-models");

        var models = EmbeddedMediaModels.All.Select(spec => EmbeddedMediaModels.EnsureInstalled(root, spec, TestContext.Current.CancellationToken)).ToList();

        Assert.Equal(
            [("microsoft/dnn-image-featurizer-resnet18", "image-feature-extraction"), ("PaddlePaddle/PP-OCRv4_mobile", "image-to-text"), ("onnx-community/silero-vad", "audio-classification")],
            models.Select(m => (m.Id, m.Task)));
        foreach (var (model, spec) in models.Zip(EmbeddedMediaModels.All))
        {
            Assert.Equal(ModelSource.Embedded, model.Source);
            Assert.Equal(Path.Combine(root, spec.Id.Replace('/', Path.DirectorySeparatorChar)), model.Path);
            var package = EmbeddedMediaModels.FindPackageFolder(spec);
            foreach (var file in spec.Files)
            {
                // Byte for byte the package's file.
                Assert.Equal(File.ReadAllBytes(Path.Combine(package, file.PackagePath)), File.ReadAllBytes(Path.Combine(model.Path, file.ModelPath)));
            }

            var weights = spec.Files.Where(f => f.ModelPath.EndsWith(".onnx", StringComparison.Ordinal))
                .Sum(f => new FileInfo(Path.Combine(package, f.PackagePath)).Length);
            Assert.Equal(weights, model.WeightBytes);
            Assert.Equal(EmbeddedModels.EstimateRamBytes(weights), model.EstimatedRamBytes);
            Assert.True(model.ParameterCount > 0);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.Path, "config.json")));
            Assert.Equal(JsonValueKind.Array, config.RootElement.GetProperty("architectures").ValueKind);
        }
    }

    [Fact]
    public void Scan_InstalledModels_ListsTheServedOnesAsEmbeddedWithTheirTasks()
    {
        var root = TestModels.NewTempFolder("media-scan");
        foreach (var spec in EmbeddedMediaModels.All)
        {
            EmbeddedMediaModels.EnsureInstalled(root, spec, TestContext.Current.CancellationToken);
        }

        var store = new ModelStore(root, [new Bytez.Engine.Onnx.OnnxModelFormat()]);
        var scanned = store.Scan().ToDictionary(m => m.Id);

        Assert.Equal("image-feature-extraction", scanned["microsoft/dnn-image-featurizer-resnet18"].Task);
        Assert.Equal("image-to-text", scanned["PaddlePaddle/PP-OCRv4_mobile"].Task);
        Assert.Equal("audio-classification", scanned["onnx-community/silero-vad"].Task);
        Assert.Equal(3, scanned.Count);
        Assert.All(scanned.Values, m => Assert.Equal(ModelSource.Embedded, m.Source));
    }

    [Fact]
    public void TryReadDescriptor_FileChangedAfterInstall_IsNotAModel()
    {
        var root = TestModels.NewTempFolder("media-tampered");
        var model = EmbeddedMediaModels.EnsureInstalled(root, EmbeddedMediaModels.SileroVad, TestContext.Current.CancellationToken);
        File.WriteAllBytes(Path.Combine(model.Path, "onnx", "model.onnx"), [1, 2, 3]);

        Assert.Null(EmbeddedMediaModels.TryReadDescriptor(model.Path));
        Assert.Null(EmbeddedModels.TryReadDescriptor(model.Path));
    }

    [Fact]
    public void EnsureInstalled_AlreadyComplete_DoesNotRewrite()
    {
        var root = TestModels.NewTempFolder("media-again");
        var first = EmbeddedMediaModels.EnsureInstalled(root, EmbeddedMediaModels.SileroVad, TestContext.Current.CancellationToken);
        var sidecar = Path.Combine(first.Path, EmbeddedModels.SidecarFileName);
        var written = File.GetLastWriteTimeUtc(sidecar);

        var again = EmbeddedMediaModels.EnsureInstalled(root, EmbeddedMediaModels.SileroVad, TestContext.Current.CancellationToken);

        Assert.Equal(first, again with { WeightFiles = first.WeightFiles });
        Assert.Equal(written, File.GetLastWriteTimeUtc(sidecar));
    }

    [Fact]
    public void EnsureInstalled_PackageNotFetched_IsNotFoundNamingHowToGetIt()
    {
        var absent = EmbeddedMediaModels.SileroVad with { PackageVersion = "0.0.0-not-fetched" };

        var error = Assert.Throws<EngineException>(() => EmbeddedMediaModels.EnsureInstalled(TestModels.NewTempFolder("media-absent"), absent, TestContext.Current.CancellationToken));

        Assert.Equal(EngineErrorKind.NotFound, error.Kind);
        Assert.Contains("@ricky0123/vad-web 0.0.0-not-fetched", error.Message, StringComparison.Ordinal);
        Assert.Contains("npm", error.Message, StringComparison.Ordinal);
    }
}
