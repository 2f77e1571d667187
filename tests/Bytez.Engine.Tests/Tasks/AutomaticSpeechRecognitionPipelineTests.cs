using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.AudioPipelineRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// automatic-speech-recognition on the tiny CTC model (each 320-sample frame's letter is the tone it holds, silence is
/// the blank; see <see cref="CtcSpeechModelWriter"/>): transcripts and timestamps follow from the frames sent and the
/// rules of transformers 4.57's pipeline (greedy CTC, <c>|</c> as a space, offsets · 320 / 16000 seconds).
/// </summary>
public sealed class AutomaticSpeechRecognitionPipelineTests
{
    /// <summary>H I (3 frames each), 2 blank frames, | (2), B O B (3 each): 19 frames.</summary>
    private static readonly float[] HiBob = Concat(
        CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
        CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3));

    private static double Seconds(int frame) => frame * 320 / 16000.0;

    private static async Task<JsonElement> Transcribe(string name, float[] samples, string? parameters = null)
    {
        var model = CtcSpeechModelWriter.Write(TinyEncoderRun.NewFolder(name));
        using var instance = await LoadAsync(model.Folder);
        return await RunAsync(new AutomaticSpeechRecognitionPipeline(Reader()), instance, Request(Wav(samples), parameters));
    }

    private static void AssertChunks(JsonElement output, params (string Text, int Start, int End)[] expected)
    {
        var chunks = output.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Text), chunks.Select(c => c.GetProperty("text").GetString()));
        for (var i = 0; i < expected.Length; i++)
        {
            var timestamp = chunks[i].GetProperty("timestamp");
            Assert.Equal(Seconds(expected[i].Start), timestamp[0].GetDouble(), 1e-12);
            Assert.Equal(Seconds(expected[i].End), timestamp[1].GetDouble(), 1e-12);
        }
    }

    [Fact]
    public async Task Tones_HiBob_AsAString()
    {
        var output = await Transcribe("asr-hibob", HiBob);

        Assert.Equal("HI BOB", output.GetString());
    }

    [Fact]
    public async Task RepeatedLetter_WithoutABlankBetween_IsOneLetter_WithABlank_Two()
    {
        var merged = await Transcribe("asr-merged", Concat(CtcSpeechModel.Tone('O', 4), CtcSpeechModel.Tone('O', 4)));
        var twice = await Transcribe("asr-twice", Concat(CtcSpeechModel.Tone('O', 4), CtcSpeechModel.Silence(1), CtcSpeechModel.Tone('O', 4)));

        Assert.Equal("O", merged.GetString());
        Assert.Equal("OO", twice.GetString());
    }

    [Fact]
    public async Task ReturnTimestampsChar_EveryCharacterWithItsFrames_BlanksLeftOut()
    {
        var output = await Transcribe("asr-char", HiBob, """{"return_timestamps": "char"}""");

        Assert.Equal("HI BOB", output.GetProperty("text").GetString());
        AssertChunks(output, ("H", 0, 3), ("I", 3, 6), (" ", 8, 10), ("B", 10, 13), ("O", 13, 16), ("B", 16, 19));
    }

    [Fact]
    public async Task ReturnTimestampsWord_EachWordFromItsFirstToItsLastLetter()
    {
        var output = await Transcribe("asr-word", HiBob, """{"return_timestamps": "word"}""");

        Assert.Equal("HI BOB", output.GetProperty("text").GetString());
        AssertChunks(output, ("HI", 0, 6), ("BOB", 10, 19));
    }

    [Fact]
    public async Task Chunked_StridesDropped_SameTranscriptAndTimestampsAsWhole()
    {
        // 0.2 s chunks = 10 frames, strides round(0.2 / 6 · 16000 / 320) = 2 frames a side: chunks keep frames
        // [0, 8), [8, 14), [14, 20)... which tile the sound exactly, so the answer is the whole sound's.
        var samples = Concat(HiBob, CtcSpeechModel.Silence(4), CtcSpeechModel.Tone('|', 2), CtcSpeechModel.Tone('Y', 5), CtcSpeechModel.Tone('O', 5));
        var output = await Transcribe("asr-chunked", samples, """{"chunk_length_s": 0.2, "return_timestamps": "word"}""");

        Assert.Equal("HI BOB YO", output.GetProperty("text").GetString());
        AssertChunks(output, ("HI", 0, 6), ("BOB", 10, 19), ("YO", 25, 35));
    }

    [Theory]
    [InlineData("""{"return_timestamps": true}""", "return_timestamps")]
    [InlineData("""{"language": "en"}""", "chunk_length_s")]
    [InlineData("""{"chunk_length_s": 0.1, "stride_length_s": 0.06}""", "chunk_length_s")]
    public async Task BadParameters_400NamingThem(string parameters, string named)
    {
        var error = await Assert.ThrowsAsync<EngineException>(() => Transcribe("asr-bad-" + parameters.GetHashCode(StringComparison.Ordinal), HiBob, parameters));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
