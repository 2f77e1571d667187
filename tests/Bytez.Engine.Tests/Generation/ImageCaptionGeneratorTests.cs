using Bytez.Engine.Generation;
using Bytez.Engine.Tests.Seq2Seq;
using Bytez.Testing.TinyModels;
using static Bytez.Testing.TinyModels.VisionEncoderDecoderModelWriter;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// Captioning on the tiny VisionEncoderDecoder of <see cref="VisionEncoderDecoderModelWriter"/> in real ONNX Runtime
/// sessions: the caption is " a &lt;dominant colour&gt; square" by design.
/// </summary>
public sealed class ImageCaptionGeneratorTests : IDisposable
{
    private static readonly int[] Shape = [3, Side, Side];
    private readonly MediaSeq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1f, -1f, -1f, " a red square")]
    [InlineData(-1f, 1f, -1f, " a green square")]
    [InlineData(-1f, -0.5f, 0.8f, " a blue square")]
    public async Task Caption_NamesTheDominantColour(float r, float g, float b, string expected)
    {
        var model = _folder.LoadVisionEncoderDecoder();
        Assert.Equal(Seq2SeqSourceKind.Pixels, model.SourceKind);
        var request = ImageCaptionGenerator.Prepare(model, null);
        Assert.Equal(0, request.DecoderStartTokenId);
        Assert.Equal(1, request.Settings.NumBeams); // the pipeline forces no beams: the model's configuration says greedy
        var captions = await ImageCaptionGenerator.GenerateAsync(request, Pixels(r, g, b), Shape, TestContext.Current.CancellationToken);
        Assert.Equal([expected], captions);
    }

    [Fact]
    public async Task Caption_BeamSearchAndMaxNewTokens()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var beams = ImageCaptionGenerator.Prepare(model, MediaSeq2SeqTestFolder.Json("""{"num_beams": 3}"""));
        Assert.Equal([" a red square"], await ImageCaptionGenerator.GenerateAsync(beams, Pixels(1, -1, -1), Shape, TestContext.Current.CancellationToken));
        var cut = ImageCaptionGenerator.Prepare(model, MediaSeq2SeqTestFolder.Json("""{"max_new_tokens": 2}"""));
        Assert.Equal([" a red"], await ImageCaptionGenerator.GenerateAsync(cut, Pixels(1, -1, -1), Shape, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Config_GptDecoderSubConfig_GivesTheCacheShape()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        Assert.Equal(2, model.Layers);
        Assert.Equal(2, model.Heads);
        Assert.Equal(8, model.HeadDim);
        Assert.Equal(32, model.Info.MaxTargetLength);
        Assert.Equal(VocabularySize, model.Info.VocabularySize);
    }

    [Fact]
    public async Task Pixels_OfAnotherSize_AreRefusedNamingTheExpectedShape()
    {
        var model = _folder.LoadVisionEncoderDecoder();
        var request = ImageCaptionGenerator.Prepare(model, null);
        var e = await Assert.ThrowsAsync<EngineException>(() => ImageCaptionGenerator.GenerateAsync(
            request, new float[3 * 16 * 16], [3, 16, 16], TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("[3, 8, 8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whisper_IsNotACaptioner()
    {
        var model = _folder.LoadWhisper();
        Assert.Equal(EngineErrorKind.NotSupported, Assert.Throws<EngineException>(() => ImageCaptionGenerator.Prepare(model, null)).Kind);
    }
}
