using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Media.Images;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.VisionRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// image-feature-extraction on the tiny real ViT-shaped ONNX backbone (token 0 and pooler_output: the channel means;
/// token 1 + i: the means of 16×16 patch i), so every expected feature is closed-form from pixel_values; the rules
/// are transformers 4.57's ImageFeatureExtractionPipeline (pool → pooler_output).
/// </summary>
public sealed class ImageFeatureExtractionPipelineTests
{
    private static readonly ImageFeatureExtractionPipeline Pipeline = new(Reader());

    [Fact]
    public async Task RedImage_LastHiddenState_TokensByHidden_AllOneMinusOneMinusOne()
    {
        using var instance = await LoadAsync("ife-red");

        var output = await RunAsync(Pipeline, instance, Request(Png(21, 13, 255, 0, 0)));

        Assert.Equal(1 + 4, output.GetArrayLength()); // 32×32: the CLS token and 2×2 patches
        foreach (var token in output.EnumerateArray())
        {
            Assert.Equal([1f, -1f, -1f], token.EnumerateArray().Select(v => v.GetSingle()));
        }
    }

    [Fact]
    public async Task Pool_PoolerOutput_AsOneRow()
    {
        using var instance = await LoadAsync("ife-pool");

        var output = await RunAsync(Pipeline, instance, Request(Png(5, 9, 0, 255, 0), """{"pool": true}"""));

        var row = Assert.Single(output.EnumerateArray());
        Assert.Equal([-1f, 1f, -1f], row.EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task RandomImage_EachPatchTokenIsItsMean_ThroughTheRealImageProcessor()
    {
        using var instance = await LoadAsync("ife-random");
        var image = VisionRuns.Random(40, 27, seed: 3);
        var processor = new ImageProcessor(ImageProcessorConfig.Parse(File.ReadAllBytes(Path.Combine(instance.Model.Path, "preprocessor_config.json"))));
        var expected = ImageFeatureModel.HiddenStates(processor.Preprocess(image).PixelValues, 32, 32);

        var output = await RunAsync(Pipeline, instance, Request(PngEncoder.EncodeRgb(image)));

        Assert.Equal(expected.Length, output.GetArrayLength());
        for (var t = 0; t < expected.Length; t++)
        {
            TensorModels.AssertClose(expected[t], output[t].EnumerateArray().Select(v => v.GetSingle()).ToList(), 1e-5f);
        }
    }

    [Fact]
    public async Task ListOfImages_OneAnswerPerImage()
    {
        using var instance = await LoadAsync("ife-list");
        var red = Convert.ToBase64String(Png(3, 3, 255, 0, 0));
        var blue = Convert.ToBase64String(Png(3, 3, 0, 0, 255));

        var output = await RunAsync(Pipeline, instance, $$$"""{"input": ["{{{red}}}", "{{{blue}}}"], "params": {"pool": true}}""");

        Assert.Equal([[[1f, -1f, -1f]], [[-1f, -1f, 1f]]], output.EnumerateArray().Select(a => a.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray()).ToArray());
    }

    [Fact]
    public async Task BadPool_BadInputNamingIt()
    {
        using var instance = await LoadAsync("ife-bad");

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request(Png(4, 4, 1, 2, 3), """{"pool": "yes"}""")));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("pool", e.Message, StringComparison.Ordinal);
    }

    private static async Task<ITensorInstance> LoadAsync(string name) =>
        await TensorModels.LoadAsync(ImageFeatureModelWriter.Write(TinyEncoderRun.NewFolder(name), imageSize: 32).Folder);
}
