using System.Text;
using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.Seq2Seq;
using Bytez.Media;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.VisionRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// image-to-text on the tiny VisionEncoderDecoder of <see cref="VisionEncoderDecoderModelWriter"/> in real ONNX Runtime
/// sessions, through the pipeline as a request reaches it: PNG bytes, the model's ViTImageProcessor (8×8, mean and std
/// 0.5), generation, decoding. By design the caption of an image is " a &lt;colour&gt; square", the colour the channel
/// with the largest mean after normalisation; the rules are transformers 4.57.1's ImageToTextPipeline.
/// </summary>
public sealed class ImageToTextPipelineTests : IDisposable
{
    private readonly MediaSeq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ImageToTextPipeline Pipeline(MediaLimits? limits = null) => new(Reader(limits));

    [Theory]
    [InlineData(255, 0, 0, " a red square")]
    [InlineData(0, 200, 0, " a green square")]
    [InlineData(30, 60, 220, " a blue square")]
    [InlineData(200, 100, 50, " a red square")]
    public async Task Caption_OfAColouredImage_NamesItsDominantChannel_AsAString(byte r, byte g, byte b, string expected)
    {
        var model = _folder.LoadVisionEncoderDecoder();

        var output = await RunAsync(Pipeline(), model, Request(Png(40, 30, r, g, b)));

        // Python's [{"generated_text": " a red square"}] unwrapped, the leading space kept (decode does not strip).
        Assert.Equal(JsonValueKind.String, output.ValueKind);
        Assert.Equal(expected, output.GetString());
    }

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged, false)] // ViT-GPT2: GPT-2's self-attention cache only
    [InlineData(Seq2SeqWriterLayout.Split, false)]
    [InlineData(Seq2SeqWriterLayout.Merged, true)] // TrOCR: self- and cross-attention caches
    [InlineData(Seq2SeqWriterLayout.Split, true)]
    [InlineData(Seq2SeqWriterLayout.NoCache, false)]
    public async Task Caption_EveryOptimumDecoderLayoutAndCacheNaming_GivesTheSameCaption(Seq2SeqWriterLayout layout, bool crossAttentionCache)
    {
        var model = _folder.LoadVisionEncoderDecoder(new VisionEncoderDecoderOptions { Layout = layout, CrossAttentionCache = crossAttentionCache });
        Assert.Equal(layout == Seq2SeqWriterLayout.NoCache ? 0 : 2, model.Layers);

        var output = await RunAsync(Pipeline(), model, Request(Png(16, 16, 10, 20, 250)));

        Assert.Equal(" a blue square", output.GetString());
    }

    [Fact]
    public async Task MaxNewTokens_AsParameterOrInGenerateKwargs_CutsTheCaption()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var png = Png(20, 20, 255, 0, 0);

        var two = await RunAsync(Pipeline(), model, Request(png, """{"max_new_tokens": 2}"""));
        var one = await RunAsync(Pipeline(), model, Request(png, """{"generate_kwargs": {"max_new_tokens": 1}}"""));

        Assert.Equal(" a red", two.GetString());
        Assert.Equal(" a", one.GetString());
    }

    [Fact]
    public async Task ModelMaxLength_WinsOverThePipelinesDefaultNewTokens_AndARequestWinsOverBoth()
    {
        // generation_config max_length 3 (not the global 20): the pipeline's max_new_tokens 256 is dropped, so 3 decoder
        // tokens in all, the start token included.
        var model = _folder.LoadVisionEncoderDecoder(new VisionEncoderDecoderOptions { MaxLength = 3 });
        var png = Png(20, 20, 0, 255, 0);

        var byModel = await RunAsync(Pipeline(), model, Request(png));
        var byRequest = await RunAsync(Pipeline(), model, Request(png, """{"max_new_tokens": 10}"""));

        Assert.Equal(" a green", byModel.GetString());
        Assert.Equal(" a green square", byRequest.GetString());
    }

    [Fact]
    public async Task BeamSearch_TwoBeamsTwoSequences_TheDominantColourFirstThenTheRunnerUp()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        // Normalised channel means R = 1, G = -1, B = 2·242/255 − 1 ≈ 0.898. After " a" the logits are red 10, blue 8.98,
        // the other words 0 and green −10, so the two beams are " a red" and " a blue"; each then ends " square" + end
        // with probability ≈ 1 (logits 20 against at most 10), so the finished captions rank by the colour step alone.
        var png = Png(24, 24, 255, 0, 242);

        var two = await RunAsync(Pipeline(), model, Request(png, """{"generate_kwargs": {"num_beams": 2, "num_return_sequences": 2}}"""));
        var greedy = await RunAsync(Pipeline(), model, Request(png));

        Assert.Equal([" a red square", " a blue square"], two.EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(" a red square", greedy.GetString());
    }

    [Fact]
    public async Task BeamSearch_TheModelsNumBeams_IsUsed()
    {
        // The pipeline forces no beams: generation_config's num_beams 2 makes num_return_sequences 2 valid.
        var model = _folder.LoadVisionEncoderDecoder(new VisionEncoderDecoderOptions { NumBeams = 2 });

        var output = await RunAsync(Pipeline(), model, Request(Png(24, 24, 255, 0, 242), """{"generate_kwargs": {"num_return_sequences": 2}}"""));

        Assert.Equal([" a red square", " a blue square"], output.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AListOfImages_GivesOneCaptionEach_InOrder()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var red = Convert.ToBase64String(Png(9, 9, 255, 0, 0));
        var blue = Convert.ToBase64String(Png(30, 12, 0, 0, 255));

        var output = await RunAsync(Pipeline(), model, $$"""{"input": ["{{blue}}", "data:image/png;base64,{{red}}"]}""");

        Assert.Equal([" a blue square", " a red square"], output.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Stream_YieldsTheCaptionTokenByToken()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var request = JsonSerializer.Deserialize(Request(Png(20, 20, 0, 255, 0)), ProtocolJsonContext.Default.RunRequest)!;

        var pieces = new List<string>();
        await foreach (var piece in await Pipeline().StartStreamAsync(model, request, TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        Assert.Equal([" a", " green", " square"], pieces);
    }

    [Theory]
    [InlineData("""{"num_beams": 2}""", "generate_kwargs")]
    [InlineData("""{"colour": "red"}""", "max_new_tokens, generate_kwargs, timeout, prompt")]
    [InlineData("""{"max_new_tokens": 0}""", "max_new_tokens")]
    [InlineData("""{"max_new_tokens": "five"}""", "max_new_tokens")]
    [InlineData("""{"generate_kwargs": [1]}""", "generate_kwargs")]
    [InlineData("""{"generate_kwargs": {"beams": 2}}""", "num_beams")]
    [InlineData("""{"generate_kwargs": {"num_beams": 0}}""", "num_beams")]
    [InlineData("""{"generate_kwargs": {"num_return_sequences": 2}}""", "num_return_sequences")]
    [InlineData("""{"generate_kwargs": {"return_full_text": true}}""", "return_full_text")]
    [InlineData("""{"max_new_tokens": 3, "generate_kwargs": {"max_new_tokens": 4}}""", "max_new_tokens")]
    [InlineData("""{"timeout": -1}""", "timeout")]
    [InlineData("""{"prompt": "a photo of"}""", "prompt")]
    [InlineData("""[1, 2]""", "params")]
    public async Task BadParameters_AreA400NamingWhatIsWrong(string parameters, string named)
    {
        var model = _folder.LoadVisionEncoderDecoder();

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline(), model, Request(Png(8, 8, 255, 0, 0), parameters)));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"generate_kwargs": {"num_beams": 2, "do_sample": true}}""", "do_sample")]
    [InlineData("""{"generate_kwargs": {"stop_strings": ["x"]}}""", "max_new_tokens")]
    [InlineData("""{"generate_kwargs": {"penalty_alpha": 0.6}}""", "penalty_alpha")]
    public async Task UnimplementedGeneration_IsRefusedSayingSo(string parameters, string named)
    {
        var model = _folder.LoadVisionEncoderDecoder();

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline(), model, Request(Png(8, 8, 255, 0, 0), parameters)));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMedia_IsRefusedWithTheRightKind_NeverAnInternalError()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var png = Png(40, 30, 255, 0, 0);
        var pipeline = Pipeline(new MediaLimits { MaxPixels = 2000 });

        var text = await Assert.ThrowsAsync<EngineException>(() => RunAsync(pipeline, model, Request(Encoding.ASCII.GetBytes("not an image at all"))));
        var truncated = await Assert.ThrowsAsync<EngineException>(() => RunAsync(pipeline, model, Request(png[..(png.Length / 2)])));
        var large = await Assert.ThrowsAsync<EngineException>(() => RunAsync(pipeline, model, Request(Png(50, 50, 255, 0, 0))));
        var none = await Assert.ThrowsAsync<EngineException>(() => RunAsync(pipeline, model, """{"params": {}}"""));

        Assert.Contains(text.Kind, new[] { EngineErrorKind.BadInput, EngineErrorKind.UnsupportedMediaType });
        Assert.Equal(EngineErrorKind.BadInput, truncated.Kind);
        Assert.Equal(EngineErrorKind.TooLarge, large.Kind);
        Assert.Contains("2000", large.Message, StringComparison.Ordinal);
        Assert.Equal(EngineErrorKind.BadInput, none.Kind);
        Assert.Equal(" a red square", (await RunAsync(pipeline, model, Request(png))).GetString());
    }

    [Fact]
    public async Task AModelWithoutPreprocessorConfig_IsRefusedNamingTheFile()
    {
        var model = _folder.LoadVisionEncoderDecoder(new VisionEncoderDecoderOptions { Preprocessor = false });

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline(), model, Request(Png(8, 8, 255, 0, 0))));

        Assert.Contains("preprocessor_config.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whisper_IsNoCaptioner()
    {
        var model = _folder.LoadWhisper();

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline(), model, Request(Png(8, 8, 255, 0, 0))));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }
}
