using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Onnx.Tensors;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// text-to-speech on the tiny VITS-shaped model (each input id held for four samples at the amplitude id / 29, see
/// <see cref="VitsModelWriter"/>): the WAV's samples follow in closed form from the ids transformers 4.57's
/// VitsTokenizer gives (worked by hand below: lower-cased, punctuation dropped, the blank "k" around every character),
/// at the config's sampling rate; and the refusals (empty text, nothing speakable, too long, parameters, lists,
/// phonemizing models).
/// </summary>
public sealed class TextToSpeechPipelineTests
{
    private static RunRequest Request(string json) => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.RunRequest)!;

    private static async Task<(VitsTinyModel Model, ITensorInstance Instance)> LoadAsync(string name, int samplingRate = 16000, bool phonemize = false)
    {
        var model = VitsModelWriter.Write(TinyEncoderRun.NewFolder(name), samplingRate, phonemize);
        return (model, await TensorModels.LoadAsync(model.Folder));
    }

    private static async Task<WavFile> SpeakAsync(ITensorInstance instance, string json)
    {
        var output = await new TextToSpeechPipeline().RunAsync(instance, Request(json), TestContext.Current.CancellationToken);
        var media = Assert.IsType<MediaOutput>(output);
        Assert.Equal("audio/wav", media.ContentType);
        Assert.Equal("wav", media.Extension);
        return WavFile.Read(media.Data);
    }

    [Fact]
    public async Task HiBob_TheWaveformOfTheTokenizersIds_AsAFloatWav()
    {
        var (model, instance) = await LoadAsync("tts-hi-bob");
        using var _ = instance;

        var wav = await SpeakAsync(instance, """{"text": "Hi, BOB!"}""");

        // "Hi, BOB!" → "hi bob" → the blank k around each character.
        var expected = model.Waveform(model.IdsOf("khkik kbkokbk"));
        Assert.Equal((3, 1, 16000, 32), (wav.FormatTag, wav.Channels, wav.SampleRate, wav.BitsPerSample));
        Assert.Equal(expected, wav.Samples);
        Assert.Equal(13 * VitsTinyModel.SamplesPerToken, wav.Samples.Length);
    }

    [Fact]
    public async Task Input_IsReadLikeText_AndTheRateIsTheConfigs()
    {
        var (model, instance) = await LoadAsync("tts-rate", samplingRate: 22050);
        using var _ = instance;

        var wav = await SpeakAsync(instance, """{"input": "a-z"}""");

        Assert.Equal(22050, wav.SampleRate);
        Assert.Equal(model.Waveform(model.IdsOf("kak-kzk")), wav.Samples);
    }

    [Fact]
    public async Task Folder_IsRecognisedAsTextToSpeech_AndRunsRowsAlone()
    {
        var (model, instance) = await LoadAsync("tts-describe");
        using var _ = instance;

        Assert.Equal(BytezTasks.TextToSpeech, TensorModels.Describe(model.Folder).Task);
        Assert.Equal(1, Assert.IsType<OnnxTensorInstance>(instance).MaxBatchSize);
    }

    [Fact]
    public async Task ConcurrentTextsOfEqualLength_EachGetsItsOwnWaveform()
    {
        var (model, instance) = await LoadAsync("tts-concurrent");
        using var _ = instance;

        var texts = new[] { "abc", "hij", "xyz", "q q" };
        var wavs = await Task.WhenAll(texts.Select(t => SpeakAsync(instance, $$"""{"text": "{{t}}"}""")));

        for (var i = 0; i < texts.Length; i++)
        {
            var tokens = "k" + string.Concat(texts[i].Select(c => $"{c}k"));
            Assert.Equal(model.Waveform(model.IdsOf(tokens)), wavs[i].Samples);
        }
    }

    [Theory]
    [InlineData("""{"text": ""}""", "empty")]
    [InlineData("""{"text": "!?., 123"}""", "vocabulary")]
    [InlineData("""{"input": ["a", "b"]}""", "one string")]
    [InlineData("""{"input": 5}""", "one string")]
    [InlineData("""{}""", "got nothing")]
    [InlineData("""{"text": "hi", "params": {"noise_scale": 0.5}}""", "noise_scale")]
    [InlineData("""{"text": "hi", "params": 3}""", "params")]
    public async Task BadInput_Is400NamingTheProblem(string json, string named)
    {
        var (_, instance) = await LoadAsync("tts-bad-" + Math.Abs(json.GetHashCode(StringComparison.Ordinal)));
        using var _ = instance;

        var error = await Assert.ThrowsAsync<EngineException>(() => SpeakAsync(instance, json));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooLong_RefusedPastTheTokenLimit_AcceptedAtIt()
    {
        var (model, instance) = await LoadAsync("tts-long");
        using var _ = instance;
        var longest = new string('a', (TextToSpeechPipeline.MaxTokens - 1) / 2); // 1023 characters: 2047 tokens

        var wav = await SpeakAsync(instance, $$"""{"text": "{{longest}}"}""");
        var error = await Assert.ThrowsAsync<EngineException>(() => SpeakAsync(instance, $$"""{"text": "{{longest}}a"}"""));
        var huge = await Assert.ThrowsAsync<EngineException>(() => SpeakAsync(instance, $$"""{"text": "{{new string('!', TextToSpeechPipeline.MaxTextLength + 1)}}"}"""));

        Assert.Equal(2047 * VitsTinyModel.SamplesPerToken, wav.Samples.Length);
        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("2049 tokens", error.Message, StringComparison.Ordinal);
        Assert.Equal(EngineErrorKind.BadInput, huge.Kind);
    }

    [Fact]
    public async Task PhonemizingModel_IsRefusedSayingWhy()
    {
        var (_, instance) = await LoadAsync("tts-phonemize", phonemize: true);
        using var _ = instance;

        var error = await Assert.ThrowsAsync<EngineException>(() => SpeakAsync(instance, """{"text": "hi"}"""));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("phonemize", error.Message, StringComparison.Ordinal);
    }
}
