using Bytez.Engine.VoiceActivity;

namespace Bytez.Engine.Tests.VoiceActivity;

public sealed class VoiceSegmentsTests
{
    private static VadWindow Window(int index, float probability) => new(
        TimeSpan.FromMilliseconds(index * 32), TimeSpan.FromMilliseconds((index + 1) * 32), probability, probability >= 0.5f);

    [Fact]
    public void Merge_RunsOfEqualLabels_BecomeOneSegmentEachWithTheMeanProbabilityOfItsLabel()
    {
        var windows = new[] { Window(0, 0.1f), Window(1, 0.3f), Window(2, 0.9f), Window(3, 0.7f), Window(4, 0.2f) };

        var segments = VoiceSegments.Merge(windows, TimeSpan.FromMilliseconds(160));

        Assert.Equal(3, segments.Count);
        Assert.Equal(("no-speech", 0.0, 0.064), (segments[0].Label, segments[0].Start, segments[0].End));
        Assert.Equal(0.8, segments[0].Score, 1e-6); // mean of 1 - 0.1 and 1 - 0.3
        Assert.Equal(("speech", 0.064, 0.128), (segments[1].Label, segments[1].Start, segments[1].End));
        Assert.Equal(0.8, segments[1].Score, 1e-6); // mean of 0.9 and 0.7
        Assert.Equal(("no-speech", 0.128, 0.16), (segments[2].Label, segments[2].Start, segments[2].End));
    }

    [Fact]
    public void Merge_LastWindowPastTheAudio_EndsAtTheAudio()
    {
        var segments = VoiceSegments.Merge([Window(0, 0.9f), Window(1, 0.9f)], TimeSpan.FromMilliseconds(40));

        var only = Assert.Single(segments);
        Assert.Equal(0.04, only.End, 1e-9);
    }

    [Fact]
    public void Shares_AreTheFractionsOfWindowsOfEachLabel()
    {
        var (speech, noSpeech) = VoiceSegments.Shares([Window(0, 0.9f), Window(1, 0.1f), Window(2, 0.2f), Window(3, 0.6f)]);

        Assert.Equal(0.5, speech);
        Assert.Equal(0.5, noSpeech);
        Assert.Equal((0.0, 0.0), VoiceSegments.Shares([]));
    }
}
