namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// The encoding of one or two sequences while it is being built: <c>tokenizers</c>' <c>Encoding</c> with its
/// truncation into overflowing windows, merging of sequences (and of their overflows), sequence ranges and padding,
/// written to give the same results. Offsets are kept both in code points and in UTF-16 units.
/// </summary>
internal sealed class MutableEncoding
{
    public List<int> Ids { get; private set; } = [];

    public List<int> TypeIds { get; private set; } = [];

    public List<string> Tokens { get; private set; } = [];

    public List<int?> Words { get; private set; } = [];

    public List<(int Start, int End)> Offsets { get; private set; } = [];

    public List<(int Start, int End)> Utf16Offsets { get; private set; } = [];

    public List<int> SpecialTokensMask { get; private set; } = [];

    public List<int> AttentionMask { get; private set; } = [];

    /// <summary>Per token, the UTF-16 index of each code point of its sequence's text (and of its end), or null for special and padding tokens.</summary>
    public List<int[]?> Utf16Maps { get; private set; } = [];

    public List<MutableEncoding> Overflowing { get; set; } = [];

    /// <summary>tokenizers' <c>sequence_ranges</c>: the token range of each sequence id.</summary>
    public Dictionary<int, (int Start, int End)> SequenceRanges { get; private set; } = [];

    public int Count => Ids.Count;

    public void Add(int id, int typeId, string token, int? word, (int, int) offsets, (int, int) utf16Offsets, int special, int attention, int[]? utf16Map = null)
    {
        Utf16Maps.Add(utf16Map);
        Ids.Add(id);
        TypeIds.Add(typeId);
        Tokens.Add(token);
        Words.Add(word);
        Offsets.Add(offsets);
        Utf16Offsets.Add(utf16Offsets);
        SpecialTokensMask.Add(special);
        AttentionMask.Add(attention);
    }

    /// <summary>Appends token <paramref name="i"/> of <paramref name="source"/>.</summary>
    public void AddFrom(MutableEncoding source, int i) =>
        Add(source.Ids[i], source.TypeIds[i], source.Tokens[i], source.Words[i], source.Offsets[i], source.Utf16Offsets[i], source.SpecialTokensMask[i], source.AttentionMask[i], source.Utf16Maps[i]);

    /// <summary>A deep copy, overflows included.</summary>
    public MutableEncoding Clone()
    {
        var copy = CloneWithoutOverflowing();
        foreach (var o in Overflowing)
        {
            copy.Overflowing.Add(o.Clone());
        }

        return copy;
    }

    private MutableEncoding CloneWithoutOverflowing() => new()
    {
        Ids = [.. Ids],
        TypeIds = [.. TypeIds],
        Tokens = [.. Tokens],
        Words = [.. Words],
        Offsets = [.. Offsets],
        Utf16Offsets = [.. Utf16Offsets],
        SpecialTokensMask = [.. SpecialTokensMask],
        AttentionMask = [.. AttentionMask],
        Utf16Maps = [.. Utf16Maps],
        SequenceRanges = new Dictionary<int, (int, int)>(SequenceRanges),
    };

    /// <summary>Gives every token the type id (overflows keep theirs, as tokenizers' <c>set_type_ids</c>).</summary>
    public void SetTypeIds(int typeId)
    {
        for (var i = 0; i < TypeIds.Count; i++)
        {
            TypeIds[i] = typeId;
        }
    }

    /// <summary>Marks all tokens as sequence <paramref name="sequenceId"/> (tokenizers' <c>set_sequence_id</c>).</summary>
    public void SetSequenceId(int sequenceId) => SequenceRanges[sequenceId] = (0, Count);

    /// <summary>
    /// tokenizers' <c>Encoding::truncate</c>: keeps the first (or last) <paramref name="maxLength"/> tokens and puts the
    /// rest in overflowing windows of <paramref name="maxLength"/> tokens, each starting <paramref name="stride"/>
    /// tokens before the previous one's end. Sequence ranges are lost.
    /// </summary>
    public void Truncate(int maxLength, int stride, TruncationSide side, int maxTokens)
    {
        var length = Count;
        if (maxLength >= length)
        {
            return;
        }

        if (maxLength == 0)
        {
            var whole = CloneWithoutOverflowing();
            whole.Overflowing = Overflowing;
            Clear();
            Overflowing = [whole];
            return;
        }

        if (stride >= maxLength)
        {
            throw EngineException.BadInput($"The stride ({stride}) must be less than the length a sequence is truncated to ({maxLength}, the maximum length less the special tokens).");
        }

        var step = maxLength - stride;
        var parts = new List<(int Start, int Stop)>();
        if (side == TruncationSide.Right)
        {
            for (var start = 0; start < length; start += step)
            {
                var stop = Math.Min(start + maxLength, length);
                parts.Add((start, stop));
                if (stop == length)
                {
                    break;
                }
            }
        }
        else
        {
            for (var last = length - 1; last >= 0; last -= step)
            {
                var stop = last + 1;
                var start = Math.Max(0, stop - maxLength);
                parts.Add((start, stop));
                if (start == 0)
                {
                    break;
                }
            }
        }

        long total = 0;
        foreach (var (start, stop) in parts)
        {
            total += stop - start;
        }

        if (total > maxTokens)
        {
            throw EngineException.TooLarge($"Truncating with stride {stride} to {maxLength} tokens would make {total} tokens in {parts.Count} windows; at most {maxTokens} are allowed.");
        }

        var windows = new List<MutableEncoding>(parts.Count);
        foreach (var (start, stop) in parts)
        {
            var window = new MutableEncoding();
            for (var i = start; i < stop; i++)
            {
                window.AddFrom(this, i);
            }

            windows.Add(window);
        }

        var first = windows[0];
        Ids = first.Ids;
        TypeIds = first.TypeIds;
        Tokens = first.Tokens;
        Words = first.Words;
        Offsets = first.Offsets;
        Utf16Offsets = first.Utf16Offsets;
        SpecialTokensMask = first.SpecialTokensMask;
        AttentionMask = first.AttentionMask;
        Utf16Maps = first.Utf16Maps;
        SequenceRanges = [];
        Overflowing = windows.GetRange(1, windows.Count - 1);
    }

    /// <summary>
    /// tokenizers' <c>Encoding::merge_with</c>: appends <paramref name="pair"/>; the overflows become every
    /// combination of ours with the pair (and its overflows), then ourselves with the pair's overflows.
    /// </summary>
    public void MergeWith(MutableEncoding pair)
    {
        var overflowing = new List<MutableEncoding>();
        foreach (var selfO in Overflowing)
        {
            var n = selfO.Clone();
            n.MergeWith(pair.Clone());
            overflowing.Add(n);
            foreach (var otherO in pair.Overflowing)
            {
                var m = selfO.Clone();
                m.MergeWith(otherO.Clone());
                overflowing.Add(m);
            }
        }

        foreach (var otherO in pair.Overflowing)
        {
            var n = Clone();
            n.MergeWith(otherO.Clone());
            overflowing.Add(n);
        }

        var offset = Count;
        foreach (var (sequence, (start, end)) in pair.SequenceRanges)
        {
            SequenceRanges[sequence] = (offset + start, offset + end);
        }

        for (var i = 0; i < pair.Count; i++)
        {
            AddFrom(pair, i);
        }

        Overflowing = overflowing;
    }

    /// <summary>tokenizers' <c>Encoding::merge</c> of a list (empty gives an empty encoding).</summary>
    public static MutableEncoding Merge(List<MutableEncoding> encodings)
    {
        if (encodings.Count == 0)
        {
            return new MutableEncoding();
        }

        var result = encodings[0];
        for (var i = 1; i < encodings.Count; i++)
        {
            result.MergeWith(encodings[i]);
        }

        return result;
    }

    /// <summary>tokenizers' <c>Encoding::pad</c>: pads this encoding and its overflows to <paramref name="length"/> tokens.</summary>
    public void Pad(int length, int padId, int padTypeId, string padToken, PaddingSide side)
    {
        foreach (var o in Overflowing)
        {
            o.Pad(length, padId, padTypeId, padToken, side);
        }

        if (Count >= length)
        {
            return;
        }

        var count = length - Count;
        if (side == PaddingSide.Right)
        {
            for (var i = 0; i < count; i++)
            {
                Add(padId, padTypeId, padToken, null, (0, 0), (0, 0), 1, 0);
            }

            return;
        }

        var padded = new MutableEncoding();
        for (var i = 0; i < count; i++)
        {
            padded.Add(padId, padTypeId, padToken, null, (0, 0), (0, 0), 1, 0);
        }

        for (var i = 0; i < Count; i++)
        {
            padded.AddFrom(this, i);
        }

        Ids = padded.Ids;
        TypeIds = padded.TypeIds;
        Tokens = padded.Tokens;
        Words = padded.Words;
        Offsets = padded.Offsets;
        Utf16Offsets = padded.Utf16Offsets;
        SpecialTokensMask = padded.SpecialTokensMask;
        AttentionMask = padded.AttentionMask;
        Utf16Maps = padded.Utf16Maps;
        SequenceRanges = SequenceRanges.ToDictionary(r => r.Key, r => (r.Value.Start + count, r.Value.End + count));
    }

    /// <summary>tokenizers' <c>get_sequence_ids</c>: with no ranges every token is sequence 0.</summary>
    public int?[] SequenceIds()
    {
        var result = new int?[Count];
        var sequences = SequenceRanges.Count == 0 ? 1 : SequenceRanges.Count;
        for (var sequence = 0; sequence < sequences; sequence++)
        {
            var (start, end) = SequenceRange(sequence);
            for (var i = start; i < end && i < result.Length; i++)
            {
                result[i] = sequence;
            }
        }

        return result;
    }

    /// <summary>tokenizers' <c>sequence_range</c>: the range of a sequence id, or all tokens when it has none.</summary>
    public (int Start, int End) SequenceRange(int sequence) =>
        SequenceRanges.TryGetValue(sequence, out var range) ? range : (0, Count);

    /// <summary>The number of tokens here and in all overflows (to bound what truncation and merging build).</summary>
    public long TotalTokens()
    {
        long total = Count;
        foreach (var o in Overflowing)
        {
            total += o.TotalTokens();
        }

        return total;
    }

    private void Clear()
    {
        Ids = [];
        TypeIds = [];
        Tokens = [];
        Words = [];
        Offsets = [];
        Utf16Offsets = [];
        SpecialTokensMask = [];
        AttentionMask = [];
        Utf16Maps = [];
        SequenceRanges = [];
    }
}
