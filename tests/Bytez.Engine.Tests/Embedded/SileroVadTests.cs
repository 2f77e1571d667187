using Bytez.Engine.Onnx.Embedded;
using Bytez.Engine.VoiceActivity;
using Bytez.Media.Audio;

namespace Bytez.Engine.Tests.Embedded;

public sealed class SileroVadTests
{
    [Fact]
    public void Detect_SpeechBetweenSilences_LabelsTheSpeechAndNotTheSilence()
    {
        var (audio, start, end) = MediaFixtures.Speech("The quick brown fox jumps over the lazy dog", TimeSpan.FromSeconds(2));

        var windows = EmbeddedRunners.SileroVad.Detect(audio, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((audio.Samples.Length + 511) / 512, windows.Count);
        var margin = TimeSpan.FromMilliseconds(300);
        var silence = windows.Where(w => w.End <= start - margin || w.Start >= end + margin).ToList();
        var speech = windows.Where(w => w.Start >= start + margin && w.End <= end - margin).ToList();
        Assert.NotEmpty(silence);
        Assert.NotEmpty(speech);
        Assert.All(silence, w => Assert.Equal(VadWindow.NoSpeechLabel, w.Label));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"speech {start}-{end}; max in silence {silence.Max(w => w.SpeechProbability):F3}; mean in speech {speech.Average(w => w.SpeechProbability):F3}");
        var speechShare = speech.Count(w => w.IsSpeech) / (double)speech.Count;
        Assert.True(speechShare >= 0.9, $"only {speechShare:P0} of the windows inside the speech are speech");
    }

    [Fact]
    public void Detect_AudioAtAnotherRate_IsRefused()
    {
        var error = Assert.Throws<EngineException>(() => EmbeddedRunners.SileroVad.Detect(new AudioSamples(new float[8000], 8000), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("16000", error.Message, StringComparison.Ordinal);
    }
}
