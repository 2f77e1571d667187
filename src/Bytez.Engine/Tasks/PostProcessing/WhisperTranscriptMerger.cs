namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>One window's generated tokens, as the pipeline hands them to the tokenizer's <c>_decode_asr</c>.</summary>
/// <param name="Tokens">The decoder prompt and the generated tokens (timestamps and the end token included).</param>
/// <param name="Stride">
/// With chunking, the window's length and its left and right strides in seconds (the pipeline's <c>stride</c> sent
/// back to seconds); <see langword="null"/> for one unchunked window.
/// </param>
public sealed record WhisperWindowTokens(IReadOnlyList<int> Tokens, (double Length, double Left, double Right)? Stride);

/// <summary>One chunk of the pipeline's answer: its text, its [start, end] in seconds (either may be unknown), its language name and its text tokens.</summary>
public sealed record WhisperTranscriptChunk(string Text, double? Start, double? End, string? Language, IReadOnlyList<int>? Tokens = null);

/// <summary>The facts of a Whisper vocabulary the merger reads.</summary>
/// <param name="TimestampBegin">The id of <c>&lt;|0.00|&gt;</c> (<c>&lt;|notimestamps|&gt;</c> + 1).</param>
/// <param name="FirstSpecialId">The first special token (<c>&lt;|endoftext|&gt;</c>): ids from it up to <paramref name="TimestampBegin"/> are special.</param>
/// <param name="LanguageOf">The language name (<c>english</c>) of a language token id, or <see langword="null"/> for any other id.</param>
/// <param name="Decode">Decodes text tokens to text (Whisper's <c>tokenizer.decode</c>).</param>
/// <param name="TimePrecision">Seconds per timestamp step (<c>chunk_length / max_source_positions</c>, 0.02).</param>
public sealed record WhisperVocabulary(int TimestampBegin, int FirstSpecialId, Func<int, string?> LanguageOf, Func<IReadOnlyList<int>, string> Decode, double TimePrecision);

/// <summary>
/// Whisper's windows merged into one transcript as transformers 4.57's <c>WhisperTokenizer._decode_asr</c> does it for
/// the automatic-speech-recognition pipeline (segment timestamps or none; word timestamps are not served): each window's
/// tokens read in order (language tokens set the language, other special tokens skipped, timestamp pairs close a
/// chunk, text tokens gathered), times offset by the window's place (<c>time_offset</c> less its left stride),
/// timestamps inside a stride skipped and their text resolved with the neighbour window's, and overlapping token runs
/// joined by <see cref="LongestCommonSequence"/> (<c>_find_longest_common_sequence</c>).
/// </summary>
public static class WhisperTranscriptMerger
{
    /// <summary>The frames of one window of encoder positions, as <c>_decode_asr</c>'s <c>segment_size</c> (1500).</summary>
    private const int SegmentSize = 1500;

    /// <summary>The full text (the chunks' texts joined) and the chunks, as <c>_decode_asr</c> returns them.</summary>
    /// <param name="windows">The windows in order.</param>
    /// <param name="vocabulary">The vocabulary facts.</param>
    /// <param name="returnTimestamps">Whether the windows were generated with timestamps (segment level).</param>
    public static (string Text, IReadOnlyList<WhisperTranscriptChunk> Chunks) Merge(
        IReadOnlyList<WhisperWindowTokens> windows, WhisperVocabulary vocabulary, bool returnTimestamps)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var precision = vocabulary.TimePrecision;
        var begin = vocabulary.TimestampBegin;
        string? lastLanguage = null;
        var chunks = new List<WhisperTranscriptChunk>();
        var chunk = new Pending(lastLanguage);
        var timeOffset = 0.0;
        var previousTokens = new List<List<int>>();
        var skip = false;

        foreach (var window in windows)
        {
            var tokens = window.Tokens;
            int? lastTimestamp = null;
            double firstTimestamp = begin;
            double curMaxTimestamp = 0, prevSegmentsLength = 0, penultimateTimestamp = 0;
            if (window.Stride is { } stride)
            {
                timeOffset -= stride.Left;
                var rightStrideStart = stride.Length - stride.Right;
                if (stride.Left != 0)
                {
                    firstTimestamp = (stride.Left / precision) + begin;
                }

                if (stride.Right != 0)
                {
                    for (var k = tokens.Count - 1; k >= 0; k--)
                    {
                        var token = tokens[k];
                        if (token >= begin)
                        {
                            // Several timestamps may fall in the right stride; the last one is always skipped.
                            if (lastTimestamp is not null && (token - begin) * precision < rightStrideStart)
                            {
                                break;
                            }

                            lastTimestamp = token;
                        }
                    }
                }
            }

            var currentTokens = new List<int>();
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                if (token >= vocabulary.FirstSpecialId && token < begin)
                {
                    if (vocabulary.LanguageOf(token) is { } language)
                    {
                        if (lastLanguage is not null && language != lastLanguage && !returnTimestamps)
                        {
                            previousTokens.Add(currentTokens);
                            chunks.Add(chunk.Done(Resolved(previousTokens), vocabulary.Decode));
                            previousTokens = [];
                            currentTokens = [];
                            chunk = new Pending(lastLanguage);
                        }

                        chunk.Language = language;
                        lastLanguage = language;
                    }
                }
                else if (token >= begin)
                {
                    var timestamp = (token - begin) * precision;
                    if (timestamp < curMaxTimestamp)
                    {
                        // A next segment started (long-form output of several generate calls).
                        var lastWasSingleEnding = i >= 2 && !(tokens[i - 1] >= begin && tokens[i - 2] >= begin);
                        if (lastWasSingleEnding)
                        {
                            prevSegmentsLength += precision * SegmentSize;
                        }
                        else
                        {
                            curMaxTimestamp = penultimateTimestamp;
                            prevSegmentsLength += penultimateTimestamp;
                        }
                    }

                    penultimateTimestamp = curMaxTimestamp;
                    curMaxTimestamp = timestamp;
                    var time = Math.Round(((token - begin) * precision) + timeOffset + prevSegmentsLength, 2, MidpointRounding.ToEven);
                    if (lastTimestamp is { } last && token >= last)
                    {
                        // Inside the right stride: skipped for now (and the next timestamp with it), resolved by the next window.
                        skip = true;
                    }
                    else if (skip || (previousTokens.Count > 0 && token < firstTimestamp))
                    {
                        skip = false;
                    }
                    else if (chunk.Start is null)
                    {
                        chunk.Start = time;
                    }
                    else if (time != chunk.Start)
                    {
                        chunk.End = time;
                        previousTokens.Add(currentTokens);
                        chunks.Add(chunk.Done(Resolved(previousTokens), vocabulary.Decode));
                        previousTokens = [];
                        currentTokens = [];
                        chunk = new Pending(lastLanguage);
                    }
                }
                else
                {
                    currentTokens.Add(token);
                }
            }

            if (window.Stride is { } s)
            {
                timeOffset += s.Length - s.Right;
            }

            if (currentTokens.Count > 0)
            {
                previousTokens.Add(currentTokens);
            }
            else if (!previousTokens.Any(p => p.Count > 0))
            {
                chunk = new Pending(lastLanguage);
                previousTokens = [];
            }
        }

        if (previousTokens.Count > 0)
        {
            // No closing timestamp (or no timestamps at all): the rest is one chunk.
            chunks.Add(chunk.Done(Resolved(previousTokens), vocabulary.Decode));
        }

        return (string.Concat(chunks.Select(c => c.Text)), chunks);
    }

    /// <summary>
    /// <c>_find_longest_common_sequence</c> without token timestamps: each next run slid along the merged one, the offset
    /// with the best share of equal tokens (more than one, an epsilon of offset / 10000 favouring long matches) taken, and
    /// the overlap split at its middle (the left run's tokens before it, the right run's after it).
    /// </summary>
    public static List<int> LongestCommonSequence(IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var total = new List<int>();
        if (sequences.Count == 0)
        {
            return total;
        }

        IReadOnlyList<int> left = sequences[0];
        for (var s = 1; s < sequences.Count; s++)
        {
            var right = sequences[s];
            var (leftLength, rightLength) = (left.Count, right.Count);
            var best = 0.0;
            var (bestLeftStart, bestLeftStop, bestRightStart, bestRightStop) = (leftLength, leftLength, 0, 0);
            for (var i = 1; i < leftLength + rightLength; i++)
            {
                var eps = i / 10000.0;
                var leftStart = Math.Max(0, leftLength - i);
                var leftStop = Math.Min(leftLength, leftLength + rightLength - i);
                var rightStart = Math.Max(0, i - leftLength);
                var matches = 0;
                for (var k = 0; k < leftStop - leftStart; k++)
                {
                    if (left[leftStart + k] == right[rightStart + k])
                    {
                        matches++;
                    }
                }

                var matching = ((double)matches / i) + eps;
                if (matches > 1 && matching > best)
                {
                    best = matching;
                    (bestLeftStart, bestLeftStop, bestRightStart, bestRightStop) = (leftStart, leftStop, rightStart, Math.Min(rightLength, i));
                }
            }

            var leftMiddle = (bestLeftStop + bestLeftStart) / 2;
            var rightMiddle = (bestRightStop + bestRightStart) / 2;
            total.AddRange(left.Take(leftMiddle));
            left = right.Skip(rightMiddle).ToList();
        }

        total.AddRange(left);
        return total;
    }

    private static List<int> Resolved(List<List<int>> sequences) => LongestCommonSequence(sequences.Cast<IReadOnlyList<int>>().ToList());

    /// <summary>A chunk being read (<c>new_chunk()</c>).</summary>
    private sealed class Pending(string? language)
    {
        public string? Language { get; set; } = language;

        public double? Start { get; set; }

        public double? End { get; set; }

        public WhisperTranscriptChunk Done(List<int> tokens, Func<IReadOnlyList<int>, string> decode) => new(decode(tokens), Start, End, Language, tokens);
    }
}
