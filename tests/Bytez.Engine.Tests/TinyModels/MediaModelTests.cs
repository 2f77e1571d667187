using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Media.Audio;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// The tiny vision and audio models are what their designs say: each folder is recognised by the ONNX format under
/// its task, loaded by the ONNX runtime as a tensor instance, and its outputs equal the design in closed form.
/// </summary>
public sealed class MediaModelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ImageClassifier_LogitsAreTheChannelMeans()
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("media-image-classifier"));
        Assert.Equal(BytezTasks.ImageClassification, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        Assert.Equal(["red", "green", "blue"], instance.Config.Labels);
        Assert.Equal("vit", instance.Config.ModelType);
        Assert.Equal("ViTImageProcessor", instance.Config.Preprocessor!.Value.GetProperty("image_processor_type").GetString());
        Assert.Equal(["pixel_values"], instance.Inputs.Select(i => i.Name));
        var random = TensorModels.Random(3 * 20 * 30, seed: 1);
        var red = MediaModelFolders.Uniform(8, 8, 1f, -1f, -1f);
        var results = await instance.RunAsync([TensorModels.Row("pixel_values", random, 3, 20, 30), TensorModels.Row("pixel_values", red, 3, 8, 8)], Ct);

        Assert.Equal([3], results[0]["logits"].Shape);
        TensorModels.AssertClose(ImageClassifierModel.Logits(random, 20, 30), results[0]["logits"].AsFloats(), 1e-5f);
        Assert.Equal(ImageClassifierModel.LogitsOfColour(255, 0, 0), results[1]["logits"].AsFloats()); // [1, -1, -1]
    }

    [Fact]
    public async Task ObjectDetector_QueryZeroTakesTheMeanColour_BoxesAreFixed()
    {
        var model = ObjectDetectorModelWriter.Write(TinyEncoderRun.NewFolder("media-detector"));
        Assert.Equal(BytezTasks.ObjectDetection, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        var pixels = MediaModelFolders.Uniform(12, 16, 0.25f, -1.5f, 2f);
        var result = (await instance.RunAsync([TensorModels.Row("pixel_values", pixels, 3, 12, 16)], Ct))[0];

        Assert.Equal([3, 4], result["logits"].Shape);
        Assert.Equal([3, 4], result["pred_boxes"].Shape);
        var expected = ObjectDetectorModel.Logits([0.25f, -1.5f, 2f]).SelectMany(q => q).ToArray();
        TensorModels.AssertClose(expected, result["logits"].AsFloats(), 1e-5f);
        Assert.Equal(ObjectDetectorModel.Boxes.SelectMany(b => b), result["pred_boxes"].AsFloats());
        Assert.Equal(2, Float32.ArgMax(result["logits"].AsFloats()[..4])); // blue leads query 0
    }

    [Fact]
    public async Task ObjectDetector_WithPixelMask_TakesBothInputs()
    {
        var model = ObjectDetectorModelWriter.Write(TinyEncoderRun.NewFolder("media-detector-mask"), pixelMask: true);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        Assert.Equal(["pixel_values", "pixel_mask"], instance.Inputs.Select(i => i.Name));
        Assert.Equal(TensorElementKind.Int64, instance.Inputs[1].Kind);
        var mask = Enumerable.Repeat(1L, 8 * 8).ToArray();
        var row = new TensorRow(new Dictionary<string, TensorValue>
        {
            ["pixel_values"] = TensorValue.Float(MediaModelFolders.Uniform(8, 8, 1f, 0f, 0f), 3, 8, 8),
            ["pixel_mask"] = TensorValue.Int64(mask, 8, 8),
        });
        var result = (await instance.RunAsync([row], Ct))[0];

        Assert.Equal(ObjectDetectorModel.Logits([1f, 0f, 0f]).SelectMany(q => q), result["logits"].AsFloats());
    }

    [Fact]
    public async Task ImageSegmenter_EachFourByFourBlockGetsItsColour()
    {
        var model = ImageSegmenterModelWriter.Write(TinyEncoderRun.NewFolder("media-segmenter"));
        Assert.Equal(BytezTasks.ImageSegmentation, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        // An 8×12 image of six 4×4 blocks of known colours (normalized values).
        float[][] blocks = [[2.2f, -2f, -1.8f], [-2.1f, 2.4f, -1.8f], [-2.1f, -2f, 2.6f], [2.2f, 2.4f, 2.6f], [-2.1f, -2f, -1.8f], [0.3f, 0.1f, -0.2f]];
        const int height = 8, width = 12;
        var pixels = new float[3 * height * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var block = blocks[((y / 4) * 3) + (x / 4)];
                for (var c = 0; c < 3; c++)
                {
                    pixels[(c * height * width) + (y * width) + x] = block[c];
                }
            }
        }

        var logits = (await instance.RunAsync([TensorModels.Row("pixel_values", pixels, 3, height, width)], Ct))[0]["logits"];

        Assert.Equal([4, 2, 3], logits.Shape);
        var values = logits.AsFloats();
        var winners = new List<string>();
        for (var b = 0; b < blocks.Length; b++)
        {
            var expected = ImageSegmenterModel.Logits(blocks[b][0], blocks[b][1], blocks[b][2]);
            var actual = Enumerable.Range(0, 4).Select(k => values[(k * 6) + b]).ToArray();
            TensorModels.AssertClose(expected, actual, 1e-5f);
            winners.Add(instance.Config.Label(Float32.ArgMax(actual)));
        }

        Assert.Equal(["red", "green", "blue", "background", "background", "background"], winners);
    }

    [Fact]
    public async Task Depth_IsTheBrightnessOfEachPixel()
    {
        var model = DepthModelWriter.Write(TinyEncoderRun.NewFolder("media-depth"));
        Assert.Equal(BytezTasks.DepthEstimation, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        const int height = 14, width = 28;
        var pixels = TensorModels.Random(3 * height * width, seed: 2);
        var depth = (await instance.RunAsync([TensorModels.Row("pixel_values", pixels, 3, height, width)], Ct))[0]["predicted_depth"];

        Assert.Equal([height, width], depth.Shape);
        var plane = height * width;
        var expected = Enumerable.Range(0, plane).Select(i => DepthModel.Depth(pixels[i], pixels[plane + i], pixels[(2 * plane) + i])).ToArray();
        TensorModels.AssertClose(expected, depth.AsFloats(), 1e-5f);
    }

    [Fact]
    public async Task ImageFeatures_AreTheImageAndPatchMeans()
    {
        var model = ImageFeatureModelWriter.Write(TinyEncoderRun.NewFolder("media-features"));
        Assert.Equal(BytezTasks.ImageFeatureExtraction, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        const int height = 32, width = 48;
        var pixels = TensorModels.Random(3 * height * width, seed: 3);
        var result = (await instance.RunAsync([TensorModels.Row("pixel_values", pixels, 3, height, width)], Ct))[0];

        var expected = ImageFeatureModel.HiddenStates(pixels, height, width);
        Assert.Equal([1 + 6, 3], result["last_hidden_state"].Shape);
        TensorModels.AssertClose(expected.SelectMany(t => t).ToArray(), result["last_hidden_state"].AsFloats(), 1e-5f);
        TensorModels.AssertClose(expected[0], result["pooler_output"].AsFloats(), 1e-5f);
    }

    [Fact]
    public async Task CtcSpeech_EachFrameIsTheLetterOfItsTone()
    {
        var model = CtcSpeechModelWriter.Write(TinyEncoderRun.NewFolder("media-ctc"));
        Assert.Equal(BytezTasks.AutomaticSpeechRecognition, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        Assert.True(File.Exists(Path.Combine(model.Folder, "vocab.json")));

        // "HI BOB": H×3, I×2, blank, |, B×2, blank, O×2, blank, B×2, then 100 samples of a partial frame (dropped).
        float[] samples =
        [
            .. CtcSpeechModel.Tone('H', 3), .. CtcSpeechModel.Tone('I', 2), .. CtcSpeechModel.Silence(1), .. CtcSpeechModel.Tone('|', 1),
            .. CtcSpeechModel.Tone('B', 2), .. CtcSpeechModel.Silence(1), .. CtcSpeechModel.Tone('O', 2, 0.3f), .. CtcSpeechModel.Silence(1),
            .. CtcSpeechModel.Tone('B', 2), .. new float[100],
        ];
        var logits = (await instance.RunAsync([TensorModels.Row("input_values", samples, samples.Length)], Ct))[0]["logits"];

        Assert.Equal([15, model.Vocabulary.Count], logits.Shape);
        var frames = Enumerable.Range(0, 15).Select(f => logits.AsFloats().AsSpan(f * 31, 31).ToArray()).ToArray();
        var design = CtcSpeechModel.Logits(samples);
        for (var f = 0; f < 15; f++)
        {
            TensorModels.AssertClose(design[f], frames[f], 1e-4f);
        }

        int[] expected = [.. "HHHII".Select(CtcSpeechModel.IdOf), 0, CtcSpeechModel.IdOf('|'), .. "BB".Select(CtcSpeechModel.IdOf), 0,
            .. "OO".Select(CtcSpeechModel.IdOf), 0, .. "BB".Select(CtcSpeechModel.IdOf)];
        Assert.Equal(expected, frames.Select(Float32.ArgMax));
        Assert.Equal("HHHII<pad>|BB<pad>OO<pad>BB", string.Concat(frames.Select(f => model.Vocabulary[Float32.ArgMax(f)])));
    }

    [Fact]
    public async Task CtcSpeech_NormalizedInput_GivesTheSameLetters()
    {
        var model = CtcSpeechModelWriter.Write(TinyEncoderRun.NewFolder("media-ctc-normalized"));
        using var instance = await TensorModels.LoadAsync(model.Folder);

        float[] samples = [.. CtcSpeechModel.Silence(2), .. CtcSpeechModel.Tone('Z', 2, 0.2f), .. CtcSpeechModel.Silence(1), .. CtcSpeechModel.Tone('A', 1, 0.9f)];
        // Wav2Vec2FeatureExtractor's do_normalize: (x - mean) / sqrt(var + 1e-7).
        var mean = samples.Average();
        var variance = samples.Select(x => (x - mean) * (x - mean)).Average();
        var normalized = samples.Select(x => (float)((x - mean) / Math.Sqrt(variance + 1e-7))).ToArray();
        var logits = (await instance.RunAsync([TensorModels.Row("input_values", normalized, normalized.Length)], Ct))[0]["logits"].AsFloats();

        var argmax = Enumerable.Range(0, 6).Select(f => Float32.ArgMax(logits.AsSpan(f * 31, 31).ToArray()));
        Assert.Equal([0, 0, CtcSpeechModel.IdOf('Z'), CtcSpeechModel.IdOf('Z'), 0, CtcSpeechModel.IdOf('A')], argmax);
    }

    [Fact]
    public async Task AudioClassifier_LogitsFollowTheLoudness()
    {
        var model = AudioClassifierModelWriter.Write(TinyEncoderRun.NewFolder("media-audio-classifier"));
        Assert.Equal(BytezTasks.AudioClassification, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);

        var loud = CtcSpeechModel.Tone('A', 50, 0.5f);
        var quiet = CtcSpeechModel.Tone('A', 50, 0.05f);
        var silence = new float[16000];
        var results = await instance.RunAsync(
            [TensorModels.Row("input_values", loud, loud.Length), TensorModels.Row("input_values", quiet, quiet.Length), TensorModels.Row("input_values", silence, silence.Length)], Ct);

        Assert.Equal(["quiet", "loud"], instance.Config.Labels);
        TensorModels.AssertClose([0f, 11.5f], results[0]["logits"].AsFloats(), 1e-4f); // power 0.125
        TensorModels.AssertClose(AudioClassifierModel.Logits(quiet), results[1]["logits"].AsFloats(), 1e-5f);
        Assert.Equal([0f, -1f], results[2]["logits"].AsFloats());
        Assert.Equal(["loud", "quiet", "quiet"], results.Select(r => instance.Config.Label(Float32.ArgMax(r["logits"].AsFloats()))));
    }

    [Fact]
    public async Task AstAudioClassifier_LogitsAreTheBandMeansOfTheFbank()
    {
        var model = AstAudioClassifierModelWriter.Write(TinyEncoderRun.NewFolder("media-ast-classifier"));
        Assert.Equal(BytezTasks.AudioClassification, TensorModels.Describe(model.Folder).Task);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var extractor = new AstFeatureExtractor(new AstFeatureConfig());
        float[] Tone(int hz) => Enumerable.Range(0, 8000).Select(n => 0.5f * (float)Math.Sin(2 * Math.PI * hz * n / 16000)).ToArray();
        var rows = new[] { 500, 1600, 4000 }.Select(hz => extractor.Extract(Tone(hz))).ToArray();

        var results = await instance.RunAsync(rows.Select(r => TensorModels.Row("input_values", r, 1024, 128)).ToArray(), Ct);

        Assert.Equal(["low", "mid", "high"], instance.Config.Labels);
        Assert.Equal(["input_values"], instance.Inputs.Select(i => i.Name));
        for (var i = 0; i < rows.Length; i++)
        {
            TensorModels.AssertClose(AstAudioClassifierModel.Logits(rows[i]), results[i]["logits"].AsFloats(), 1e-5f);
        }

        // A tone's band wins: 500 Hz is low, 1600 Hz mid, 4000 Hz high.
        Assert.Equal(["low", "mid", "high"], results.Select(r => instance.Config.Label(Float32.ArgMax(r["logits"].AsFloats()))));
        Assert.All(AstAudioClassifierModel.BandsHz.Select((_, label) => AstAudioClassifierModel.Band(label)), band => Assert.True(band.Length >= 8, $"{band.Length} bins"));
    }
}
