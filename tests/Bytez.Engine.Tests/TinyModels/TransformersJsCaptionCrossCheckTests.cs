using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.Seq2Seq;
using Bytez.Engine.Tests.Tasks;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// Hugging Face's JavaScript <c>image-to-text</c> pipeline (transformers.js 4.3.1 on onnxruntime-node, from npm) runs
/// the same tiny VisionEncoderDecoder files (<see cref="VisionEncoderDecoderModelWriter"/>: the Optimum layout with a
/// merged decoder in ViT-GPT2's and TrOCR's cache namings, ViTImageProcessor, GPT-2 byte-level tokenizer) and captions the same PNG files as our
/// pipeline does. The one known difference: transformers.js trims the decoded text (Python does not, nor do we), so
/// its captions are compared with ours trimmed.
/// </summary>
public sealed class TransformersJsCaptionCrossCheckTests : IDisposable
{
    private readonly MediaSeq2SeqTestFolder _ours = new();

    public void Dispose() => _ours.Dispose();

    /// <summary>transformers.js reads merged decoders only; it names the cache from the decoder's configuration (GPT-2: self-attention only; TrOCR: both).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Captions_OfColouredImages_AreTheSameAsTransformersJs(bool crossAttentionCache)
    {
        var layout = crossAttentionCache ? "trocr" : "gpt2";
        var folder = TinyEncoderRun.NewFolder($"js-caption-{layout}");
        VisionEncoderDecoderModelWriter.Write(folder, new VisionEncoderDecoderOptions { CrossAttentionCache = crossAttentionCache });
        var root = Path.GetDirectoryName(Path.GetDirectoryName(folder))!;
        var id = "tiny/" + Path.GetFileName(folder);
        (byte R, byte G, byte B)[] colours = [(255, 0, 0), (0, 200, 0), (30, 60, 220), (255, 0, 242), (200, 100, 50)];
        var images = colours.Select((c, i) =>
        {
            var path = Path.Combine(root, $"caption-{layout}-{i}.png");
            File.WriteAllBytes(path, VisionRuns.Png(40, 30, c.R, c.G, c.B));
            return path;
        }).ToList();

        var theirs = await TransformersJs.RunAsync(root,
            [.. images.Select(path => new TransformersJsRequest("image-to-text", id, JsonValue.Create(path)))], TestContext.Current.CancellationToken);

        var model = _ours.Load(folder, "image-to-text");
        var pipeline = new ImageToTextPipeline(VisionRuns.Reader());
        for (var i = 0; i < images.Count; i++)
        {
            var ours = await VisionRuns.RunAsync(pipeline, model, VisionRuns.Request(await File.ReadAllBytesAsync(images[i], TestContext.Current.CancellationToken)));
            var theirCaption = Assert.Single(theirs[i].EnumerateArray()).GetProperty("generated_text").GetString();
            Assert.Equal(JsonValueKind.String, ours.ValueKind);
            Assert.Equal(theirCaption, ours.GetString()!.Trim());
            Assert.StartsWith(" a ", ours.GetString(), StringComparison.Ordinal);
        }
    }
}
