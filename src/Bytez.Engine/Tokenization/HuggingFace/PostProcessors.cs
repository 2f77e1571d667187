namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face post-processor for the rich encode: adds the special tokens around one or two sequences with their
/// type ids, sequence ranges and masks, and (byte-level ones) trims spaces off offsets — tokenizers'
/// <c>PostProcessor::process_encodings</c>, overflows included.
/// </summary>
internal abstract class PostProcessor
{
    /// <summary>How many special tokens it adds to one sequence or a pair (tokenizers' <c>added_tokens</c>).</summary>
    public abstract int AddedTokens(bool pair);

    /// <summary>Processes the sequences' encodings; the results are merged in order.</summary>
    public abstract List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens);

    /// <summary>
    /// tokenizers' <c>PostProcessor::process</c>: marks each sequence (and its overflows) with its sequence id and
    /// type id, processes, merges. Without a post-processor, the sequences are merged as they are.
    /// </summary>
    public static MutableEncoding Process(PostProcessor? processor, MutableEncoding encoding, MutableEncoding? pair, bool addSpecialTokens)
    {
        var encodings = pair is null ? new List<MutableEncoding> { encoding } : [encoding, pair];
        if (processor is null)
        {
            if (encodings.Count == 1)
            {
                return encoding;
            }

            var merged = new MutableEncoding();
            for (var i = 0; i < encodings.Count; i++)
            {
                encodings[i].SetSequenceId(i);
                merged.MergeWith(encodings[i]);
            }

            return merged;
        }

        for (var i = 0; i < encodings.Count; i++)
        {
            encodings[i].SetSequenceId(i);
            foreach (var o in encodings[i].Overflowing)
            {
                o.SetSequenceId(i);
            }

            encodings[i].SetTypeIds(i);
        }

        return MutableEncoding.Merge(processor.ProcessEncodings(encodings, addSpecialTokens));
    }

    /// <summary>
    /// A copy of <paramref name="encoding"/> (and of each of its overflows) between <paramref name="prefix"/> and
    /// <paramref name="suffix"/> special tokens, as Bert- and RobertaProcessing build them: the special tokens get
    /// <paramref name="specialTypeIds"/>, the sequence's tokens keep their type ids unless
    /// <paramref name="sequenceTypeId"/> is given, the sequence range excludes the special tokens.
    /// </summary>
    protected static MutableEncoding Wrap(
        MutableEncoding encoding, (string Token, int Id)[] prefix, (string Token, int Id)[] suffix, (int Prefix, int Suffix) specialTypeIds, int? sequenceTypeId, int sequence)
    {
        var result = new MutableEncoding();
        foreach (var (token, id) in prefix)
        {
            result.Add(id, specialTypeIds.Prefix, token, null, (0, 0), (0, 0), 1, 1);
        }

        for (var i = 0; i < encoding.Count; i++)
        {
            result.Add(encoding.Ids[i], sequenceTypeId ?? encoding.TypeIds[i], encoding.Tokens[i], encoding.Words[i], encoding.Offsets[i], encoding.Utf16Offsets[i], 0, 1, encoding.Utf16Maps[i]);
        }

        foreach (var (token, id) in suffix)
        {
            result.Add(id, specialTypeIds.Suffix, token, null, (0, 0), (0, 0), 1, 1);
        }

        result.SequenceRanges[sequence] = (prefix.Length, prefix.Length + encoding.Count);
        foreach (var o in encoding.Overflowing)
        {
            result.Overflowing.Add(Wrap(o, prefix, suffix, specialTypeIds, sequenceTypeId, sequence));
        }

        return result;
    }

    /// <summary>
    /// tokenizers' <c>process_offsets</c> (ByteLevel and Roberta <c>trim_offsets</c>): offsets leave out the leading and
    /// trailing spaces (<c>Ġ</c> or white space) of a token; the space <c>add_prefix_space</c> put before the first word stays.
    /// </summary>
    protected static void TrimOffsets(MutableEncoding encoding, bool addPrefixSpace)
    {
        Trim(encoding, addPrefixSpace);
        foreach (var o in encoding.Overflowing)
        {
            Trim(o, addPrefixSpace);
        }
    }

    private static void Trim(MutableEncoding encoding, bool addPrefixSpace)
    {
        for (var i = 0; i < encoding.Count; i++)
        {
            var token = encoding.Tokens[i];
            var leading = 0;
            while (leading < token.Length && IsSpace(token[leading]))
            {
                leading++;
            }

            var trailing = 0;
            while (trailing < token.Length && IsSpace(token[token.Length - 1 - trailing]))
            {
                trailing++;
            }

            if (leading == 0 && trailing == 0)
            {
                continue;
            }

            // tokenizers does this arithmetic on code-point offsets; the UTF-16 ones follow from them.
            var (start, end) = Trim(encoding.Offsets[i], i, leading, trailing, addPrefixSpace);
            encoding.Offsets[i] = (start, end);
            if (encoding.Utf16Maps[i] is { } map && end < map.Length)
            {
                encoding.Utf16Offsets[i] = (map[start], map[end]);
            }
        }
    }

    private static (int Start, int End) Trim((int Start, int End) offsets, int index, int leading, int trailing, bool addPrefixSpace)
    {
        var (start, end) = offsets;
        if (leading > 0)
        {
            var isFirst = index == 0 || start == 0;
            if (isFirst && addPrefixSpace && leading == 1)
            {
                leading = 0;
            }

            start = Math.Min(start + leading, end);
        }

        if (trailing > 0 && end >= trailing)
        {
            end = Math.Max(end - trailing, start);
        }

        return (start, end);
    }

    private static bool IsSpace(char c) => c == ByteLevelMap.ByteToChar[' '] || char.IsWhiteSpace(c);
}

/// <summary>One piece of a <c>TemplateProcessing</c> template: a sequence (<c>$A</c>/<c>$B</c>) or a special token, with its type id.</summary>
internal readonly record struct TemplatePiece(int? Sequence, string? SpecialToken, int TypeId);

/// <summary>tokenizers' <c>TemplateProcessing</c>: <c>[CLS] $A [SEP]</c> and <c>[CLS] $A [SEP] $B:1 [SEP]:1</c> style templates.</summary>
internal sealed class TemplatePostProcessor(TemplatePiece[] single, TemplatePiece[]? pair, Dictionary<string, (int[] Ids, string[] Tokens)> specialTokens) : PostProcessor
{
    public override int AddedTokens(bool isPair) => Count(isPair ? pair ?? [] : single);

    public override List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens)
    {
        var template = encodings.Count == 2
            ? pair ?? throw EngineException.NotSupported("tokenizer.json: the TemplateProcessing post-processor has no pair template, so it cannot encode a pair of texts.")
            : single;
        var result = new List<MutableEncoding>(template.Length);
        foreach (var piece in template)
        {
            if (piece.Sequence is int sequence)
            {
                if (sequence >= encodings.Count)
                {
                    continue;
                }

                var encoding = encodings[sequence];
                encoding.SetTypeIds(piece.TypeId);
                encoding.SetSequenceId(sequence);
                result.Add(encoding.Clone());
            }
            else if (addSpecialTokens)
            {
                var (ids, tokens) = specialTokens[piece.SpecialToken!];
                var special = new MutableEncoding();
                for (var i = 0; i < ids.Length; i++)
                {
                    special.Add(ids[i], piece.TypeId, tokens[i], null, (0, 0), (0, 0), 1, 1);
                }

                result.Add(special);
            }
        }

        return result;
    }

    private int Count(TemplatePiece[] template)
    {
        var count = 0;
        foreach (var piece in template)
        {
            if (piece.SpecialToken is { } id)
            {
                count += specialTokens[id].Ids.Length;
            }
        }

        return count;
    }
}

/// <summary>tokenizers' <c>BertProcessing</c>: <c>[CLS] A [SEP]</c> (type 0) and <c>B [SEP]</c> (type 1).</summary>
internal sealed class BertPostProcessor((string Token, int Id) cls, (string Token, int Id) sep) : PostProcessor
{
    public override int AddedTokens(bool pair) => pair ? 3 : 2;

    public override List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens)
    {
        if (!addSpecialTokens)
        {
            return encodings;
        }

        var result = new List<MutableEncoding>(encodings.Count);
        for (var i = 0; i < encodings.Count; i++)
        {
            result.Add(i == 0
                ? Wrap(encodings[i], [cls], [sep], (0, 0), null, 0)
                : Wrap(encodings[i], [], [sep], (1, 1), null, 1));
        }

        return result;
    }
}

/// <summary>tokenizers' <c>RobertaProcessing</c>: <c>&lt;s&gt; A &lt;/s&gt;</c> and <c>&lt;/s&gt; B &lt;/s&gt;</c>, all type 0, offsets trimmed when <c>trim_offsets</c>.</summary>
internal sealed class RobertaPostProcessor((string Token, int Id) cls, (string Token, int Id) sep, bool trimOffsets, bool addPrefixSpace) : PostProcessor
{
    public override int AddedTokens(bool pair) => pair ? 4 : 2;

    public override List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens)
    {
        if (trimOffsets)
        {
            foreach (var encoding in encodings)
            {
                TrimOffsets(encoding, addPrefixSpace);
            }
        }

        foreach (var encoding in encodings)
        {
            encoding.SetTypeIds(0);
        }

        if (!addSpecialTokens)
        {
            return encodings;
        }

        var result = new List<MutableEncoding>(encodings.Count);
        for (var i = 0; i < encodings.Count; i++)
        {
            result.Add(i == 0
                ? Wrap(encodings[i], [cls], [sep], (0, 0), 0, 0)
                : Wrap(encodings[i], [sep], [sep], (0, 0), 0, 1));
        }

        return result;
    }
}

/// <summary>tokenizers' <c>ByteLevel</c> post-processor: trims offsets when <c>trim_offsets</c>; adds no token.</summary>
internal sealed class ByteLevelPostProcessor(bool trimOffsets, bool addPrefixSpace) : PostProcessor
{
    public override int AddedTokens(bool pair) => 0;

    public override List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens)
    {
        for (var i = 0; i < encodings.Count; i++)
        {
            if (trimOffsets)
            {
                TrimOffsets(encodings[i], addPrefixSpace);
            }

            encodings[i].SetSequenceId(i);
        }

        return encodings;
    }
}

/// <summary>tokenizers' <c>Sequence</c> post-processor: each step processes what the one before returned.</summary>
internal sealed class SequencePostProcessor(PostProcessor[] steps) : PostProcessor
{
    public override int AddedTokens(bool pair) => steps.Sum(s => s.AddedTokens(pair));

    public override List<MutableEncoding> ProcessEncodings(List<MutableEncoding> encodings, bool addSpecialTokens)
    {
        foreach (var step in steps)
        {
            encodings = step.ProcessEncodings(encodings, addSpecialTokens);
        }

        return encodings;
    }
}
