using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.Tasks;
using Bytez.Engine.Tests.Tensors;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// Hugging Face's JavaScript zero-shot-image-classification pipeline (transformers.js 4.3.1 on onnxruntime-node) runs
/// the same tiny CLIP- and SigLIP-shaped files (<see cref="DualEncoderModelWriter"/>) and gives the labels and scores
/// our pipeline gives and the designs predict. The template is passed explicitly: transformers.js's default lacks
/// Python's period. Images are uniform colours, which any resampler leaves unchanged (transformers.js resizes with
/// sharp, not PIL).
/// </summary>
public sealed class DualEncoderTransformersJsTests
{
    private static readonly string[] Labels = ["green", "red", "dark blue", "cat"];

    [Theory]
    [InlineData(DualEncoderStyle.Clip)]
    [InlineData(DualEncoderStyle.Siglip)]
    public async Task TransformersJs_AndOurPipeline_GiveTheDesignedScores(DualEncoderStyle style)
    {
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder($"js-zsic-{style}"), style);
        var png = VisionRuns.Png(32, 32, 210, 130, 100);
        var image = Path.Combine(model.Folder, "image.png");
        await File.WriteAllBytesAsync(image, png, TestContext.Current.CancellationToken);
        var options = new JsonObject { ["hypothesis_template"] = ZeroShotImageClassificationPipeline.DefaultTemplate };

        var js = (await TransformersJsCrossCheckTests.RunAsync(model.Folder, TransformersJsCrossCheckTests.Request(
            "zero-shot-image-classification", model.Id, new JsonObject { ["image"] = image, ["labels"] = new JsonArray([.. Labels.Select(l => (JsonNode)l)]) }, options)))[0];
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var ours = await VisionRuns.RunAsync(new ZeroShotImageClassificationPipeline(VisionRuns.Reader()), instance,
            JsonSerializer.Serialize(new { base64 = Convert.ToBase64String(png), candidate_labels = Labels }));

        var means = model.MeansOfColour(210, 130, 100);
        var logits = Labels.Select(l => model.Logit(means, ["this", "is", "a", "photo", "of", .. l.Split(' ')])).ToArray();
        var expected = style == DualEncoderStyle.Clip
            ? logits.Select(x => Math.Exp(x - logits.Max()) / logits.Sum(y => Math.Exp(y - logits.Max()))).ToArray()
            : logits.Select(x => 1 / (1 + Math.Exp(-x))).ToArray();
        var order = Labels.Select((label, i) => (label, score: expected[i])).OrderByDescending(p => p.score).Select(p => p.label).ToList();
        foreach (var result in new[] { js, ours })
        {
            Assert.Equal(order, result.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
            foreach (var item in result.EnumerateArray())
            {
                Assert.Equal(expected[Array.IndexOf(Labels, item.GetProperty("label").GetString())], item.GetProperty("score").GetDouble(), 2e-6);
            }
        }
    }
}
