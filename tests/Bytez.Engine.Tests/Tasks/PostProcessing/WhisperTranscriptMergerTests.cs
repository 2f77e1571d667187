using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="WhisperTranscriptMerger"/> on token runs worked by hand with the rules of transformers 4.57's
/// <c>_find_longest_common_sequence</c> and <c>_decode_asr</c> (the overlap with the best share of equal tokens, more
/// than one, split at its middle; timestamps offset by the window's place less its left stride).
/// </summary>
public sealed class WhisperTranscriptMergerTests
{
    // A vocabulary of 100 text tokens, specials 100–109 (en 101, fr 102), <|0.00|> = 110, 0.02 s per step.
    private static readonly WhisperVocabulary Vocabulary = new(
        110, 100, id => id switch { 101 => "english", 102 => "french", _ => null }, tokens => string.Concat(tokens.Select(t => $" {t}")), 0.02);

    private static int Time(double seconds) => 110 + (int)Math.Round(seconds / 0.02);

    [Fact]
    public void Lcs_OverlapOfTwo_SplitAtItsMiddle()
    {
        // [1 2 3 4] and [3 4 5]: the best slide matches [3 4]; left keeps up to (2 + 4) / 2 = 3, right from (0 + 2) / 2 = 1.
        Assert.Equal([1, 2, 3, 4, 5], WhisperTranscriptMerger.LongestCommonSequence([[1, 2, 3, 4], [3, 4, 5]]));
    }

    [Fact]
    public void Lcs_OneEqualTokenIsNoMatch_RunsAppended()
    {
        Assert.Equal([1, 2, 3, 3, 9], WhisperTranscriptMerger.LongestCommonSequence([[1, 2, 3], [3, 9]]));
    }

    [Fact]
    public void Lcs_ThreeRuns_EachJoinedToTheMergedTail()
    {
        Assert.Equal([1, 2, 3, 4, 5, 6], WhisperTranscriptMerger.LongestCommonSequence([[1, 2, 3], [2, 3, 4, 5], [4, 5, 6]]));
    }

    [Fact]
    public void OneWindow_TimestampPairsCloseChunks()
    {
        // <0.00> 5 6 <1.00><1.00> 7 <2.50>: two segments.
        var window = new WhisperWindowTokens([100, 101, 103, Time(0), 5, 6, Time(1), Time(1), 7, Time(2.5), 100], null);

        var (text, chunks) = WhisperTranscriptMerger.Merge([window], Vocabulary, returnTimestamps: true);

        Assert.Equal(" 5 6 7", text);
        Assert.Equal([(" 5 6", 0.0, 1.0), (" 7", 1.0, 2.5)], chunks.Select(c => (c.Text, c.Start!.Value, c.End!.Value)));
        Assert.All(chunks, c => Assert.Equal("english", c.Language));
    }

    [Fact]
    public void SecondWindow_TimesOffsetByItsStartLessTheLeftStride()
    {
        // Windows of 10 s, strides 0/0 then 0/0 (no overlap): the second window's <0.50>..<1.50> is 10.5..11.5 s.
        var first = new WhisperWindowTokens([Time(0), 5, Time(2)], (10, 0, 0));
        var second = new WhisperWindowTokens([Time(0.5), 7, Time(1.5)], (10, 0, 0));

        var (_, chunks) = WhisperTranscriptMerger.Merge([first, second], Vocabulary, returnTimestamps: true);

        Assert.Equal([(0.0, 2.0), (10.5, 11.5)], chunks.Select(c => (c.Start!.Value, c.End!.Value)));
    }
}
