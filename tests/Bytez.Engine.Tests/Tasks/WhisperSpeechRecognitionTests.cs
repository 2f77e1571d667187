using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.Seq2Seq;
using Bytez.Media;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.AudioPipelineRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// automatic-speech-recognition on the tiny Whisper (<see cref="WhisperModelWriter"/>) from real WAV bytes through the
/// real log-mel front end: a window whose sound is a low tone (500 Hz) is "English" and reads " hello world", one with a
/// high tone (4 kHz) is "French" and reads " bonjour monde" (translated: " hello world"); with timestamps the model
/// writes &lt;|0.00|&gt; hello world &lt;|0.40|&gt;. Chunked answers follow from those windows and the rules of
/// transformers 4.57's <c>_decode_asr</c> worked by hand in each test.
/// </summary>
public sealed class WhisperSpeechRecognitionTests : IDisposable
{
    private readonly MediaSeq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static float[] Low(double seconds) => WhisperModelWriter.LowTone(seconds);

    private static float[] High(double seconds) => WhisperModelWriter.HighTone(seconds);

    private static float[] Silence(double seconds) => WhisperModelWriter.Silence(seconds);

    private async Task<JsonElement> Transcribe(float[] samples, string? parameters = null, MediaLimits? limits = null, WhisperModelOptions? options = null)
    {
        var instance = _folder.LoadWhisper(options);
        return await RunAsync(new AutomaticSpeechRecognitionPipeline(Reader(limits)), instance, Request(Wav(samples), parameters));
    }

    private async Task<EngineException> Refused(float[] samples, string? parameters, MediaLimits? limits = null) =>
        await Assert.ThrowsAsync<EngineException>(() => Transcribe(samples, parameters, limits));

    [Fact]
    public async Task LowTone_DetectedEnglish_HelloWorld_AsAString()
    {
        var output = await Transcribe(Concat(Low(1), Silence(0.5)));

        Assert.Equal(" hello world", output.GetString());
    }

    [Fact]
    public async Task HighTone_DetectedFrench_BonjourMonde()
    {
        Assert.Equal(" bonjour monde", (await Transcribe(High(2))).GetString());
    }

    [Theory]
    [InlineData("""{"language": "fr", "task": "translate"}""")]
    [InlineData("""{"generate_kwargs": {"language": "french", "task": "translate"}}""")]
    [InlineData("""{"language": "<|fr|>", "generate_kwargs": {"task": "translate", "num_beams": 2}}""")]
    public async Task TranslateTask_HistoryRaisesHello_FrenchSoundReadsHelloWorld(string parameters)
    {
        Assert.Equal(" hello world", (await Transcribe(High(2), parameters)).GetString());
    }

    [Fact]
    public async Task MaxNewTokens_CutsTheAnswer()
    {
        Assert.Equal(" hello", (await Transcribe(Low(1), """{"max_new_tokens": 1}""")).GetString());
    }

    [Fact]
    public async Task ReturnTimestamps_OneSegment_FromTheTimestampTokens()
    {
        var output = await Transcribe(Low(1), """{"return_timestamps": true}""");

        Assert.Equal(" hello world", output.GetProperty("text").GetString());
        var chunk = Assert.Single(output.GetProperty("chunks").EnumerateArray());
        Assert.Equal(" hello world", chunk.GetProperty("text").GetString());
        Assert.Equal([0.0, 0.4], chunk.GetProperty("timestamp").EnumerateArray().Select(t => t.GetDouble()));
        Assert.False(chunk.TryGetProperty("language", out _));
    }

    [Fact]
    public async Task ReturnLanguage_ChunkCarriesTheDetectedLanguageName_NoTimestamp()
    {
        var output = await Transcribe(High(1), """{"return_language": true}""");

        var chunk = Assert.Single(output.GetProperty("chunks").EnumerateArray());
        Assert.Equal("french", chunk.GetProperty("language").GetString());
        Assert.Equal(" bonjour monde", chunk.GetProperty("text").GetString());
        Assert.False(chunk.TryGetProperty("timestamp", out _));
    }

    /// <summary>
    /// 22 s: low tone 0–12 s, silence 12–16 s, high tone 16–22 s; chunks of 10 s with 2 s strides step 6 s: [0, 10)
    /// low, [6, 16) low then silence, [12, 22) silence then high. Windows: " hello world" twice, then " bonjour monde":
    /// the two equal runs overlap fully and are merged once; the third matches nothing and is appended (naively joined
    /// it would be " hello world hello world bonjour monde"). Detected languages en, en, fr: the change closes a chunk.
    /// </summary>
    [Fact]
    public async Task Chunked_OverlappingWindowsMerged_LanguageChangeSplitsChunks()
    {
        var sound = Concat(Low(12), Silence(4), High(6));

        var plain = await Transcribe(sound, """{"chunk_length_s": 10, "stride_length_s": 2}""");
        var forced = await Transcribe(sound, """{"chunk_length_s": 10, "stride_length_s": [2, 2], "language": "english"}""");
        var languages = await Transcribe(sound, """{"chunk_length_s": 10, "stride_length_s": 2, "return_language": true}""");

        Assert.Equal(" hello world bonjour monde", plain.GetString());
        Assert.Equal(" hello world bonjour monde", forced.GetString());
        Assert.Equal(" hello world bonjour monde", languages.GetProperty("text").GetString());
        var chunks = languages.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(["english", "french"], chunks.Select(c => c.GetProperty("language").GetString()));
        Assert.Equal([" hello world", " bonjour monde"], chunks.Select(c => c.GetProperty("text").GetString()));
    }

    /// <summary>
    /// 16 s of low tone in 10 s chunks with 2 s strides: [0, 10) (right stride 2) and [6, 16) (left stride 2), each
    /// &lt;|0.00|&gt; hello world &lt;|0.40|&gt;. The first window's last timestamp is in its right stride, so it is skipped
    /// and so is the next window's first; the second window's &lt;|0.40|&gt; (6.4 s) lies before its left stride's end
    /// (first_timestamp 2 s) and is skipped too. One chunk from 0.0 with no end, its two runs merged into one.
    /// </summary>
    [Fact]
    public async Task Chunked_WithTimestamps_StrideTimestampsSkipped_OneOpenChunk()
    {
        var output = await Transcribe(Low(16), """{"chunk_length_s": 10, "stride_length_s": 2, "return_timestamps": true}""");

        Assert.Equal(" hello world", output.GetProperty("text").GetString());
        var chunk = Assert.Single(output.GetProperty("chunks").EnumerateArray());
        var timestamp = chunk.GetProperty("timestamp");
        Assert.Equal(0.0, timestamp[0].GetDouble());
        Assert.Equal(JsonValueKind.Null, timestamp[1].ValueKind);
    }

    [Fact]
    public async Task LongSound_WithoutChunkLength_400TellsToSetIt_WithChunkLengthTranscribed()
    {
        var sound = Low(31);

        var error = await Refused(sound, null);
        var chunked = await Transcribe(sound, """{"chunk_length_s": 30}""");

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("chunk_length_s", error.Message, StringComparison.Ordinal);
        Assert.Equal(" hello world", chunked.GetString());
    }

    [Fact]
    public async Task SoundLongerThanMediaLimit_413()
    {
        var error = await Refused(Low(3), null, new MediaLimits { MaxAudioDuration = TimeSpan.FromSeconds(2) });

        Assert.Equal(EngineErrorKind.TooLarge, error.Kind);
        Assert.Contains("MaxAudioDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnglishOnlyModel_NoLanguageToken_LanguageNull_AndRefusesALanguage()
    {
        var options = new WhisperModelOptions { Multilingual = false };

        var output = await Transcribe(Low(1), """{"return_language": true}""", options: options);
        var error = await Assert.ThrowsAsync<EngineException>(() => Transcribe(Low(1), """{"language": "en"}""", options: options));

        Assert.Equal(" hello world", output.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, Assert.Single(output.GetProperty("chunks").EnumerateArray()).GetProperty("language").ValueKind);
        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("English-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmokeRequest_OfTheContract_RunsOnWhisper()
    {
        var instance = _folder.LoadWhisper();
        var output = await new AutomaticSpeechRecognitionPipeline(Reader()).RunAsync(
            instance, AutomaticSpeechRecognitionPipeline.Declared.SmokeRequest(instance.Model.Id), TestContext.Current.CancellationToken);

        // 0.1 s of 440 Hz: a low tone, so "English".
        Assert.Equal(" hello world", Assert.IsType<TextOutput>(output).Text);
    }

    [Theory]
    [InlineData("""{"return_timestamps": "word"}""", "cross-attention")]
    [InlineData("""{"return_timestamps": "char"}""", "segment")]
    [InlineData("""{"return_timestamps": 1}""", "return_timestamps")]
    [InlineData("""{"top_n": 3}""", "return_timestamps, return_language, chunk_length_s")]
    [InlineData("""{"chunk_length_s": 40}""", "at most 30")]
    [InlineData("""{"chunk_length_s": 6, "stride_length_s": 3}""", "longer than both strides")]
    [InlineData("""{"max_new_tokens": 2, "generate_kwargs": {"max_new_tokens": 3}}""", "give it once")]
    [InlineData("""{"generate_kwargs": {"prompt_ids": [1]}}""", "generate_kwargs.prompt_ids")]
    [InlineData("""{"task": "summarize"}""", "transcribe or translate")]
    [InlineData("""{"language": "klingon"}""", "klingon")]
    [InlineData("""{"max_new_tokens": 1000}""", "max_target_positions")]
    public async Task BadParameters_400NamingWhatIsExpected(string parameters, string named)
    {
        var error = await Refused(Low(1), parameters);

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
