using System.Globalization;
using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// tokenizers' <c>BertNormalizer</c>: <c>clean_text</c> drops NUL, U+FFFD and control, format and private-use characters and turns white
/// space into spaces; <c>handle_chinese_chars</c> puts spaces around CJK ideographs; <c>strip_accents</c> (by default
/// what <c>lowercase</c> is) decomposes (NFD) and drops non-spacing marks; <c>lowercase</c> lowercases.
/// </summary>
internal sealed class BertNormalizer(bool cleanText, bool handleChineseChars, bool stripAccents, bool lowercase) : INormalizer
{
    public string Normalize(string text)
    {
        var aligned = AlignedString.FromOriginal(text, 0, text.Length);
        Normalize(aligned);
        return aligned.Text;
    }

    public void Normalize(AlignedString text)
    {
        if (cleanText)
        {
            text.Filter(c => !(c == 0 || c == 0xFFFD || IsControl(c)));
            text.Map(c => IsWhitespace(c) ? ' ' : c);
        }

        if (handleChineseChars)
        {
            var transforms = new List<(string Char, int Change)>(text.Text.Length);
            var any = false;
            for (var i = 0; i < text.Text.Length;)
            {
                var width = AlignedString.Width(text.Text, i);
                var ch = text.Text.Substring(i, width);
                if (IsChineseChar(char.ConvertToUtf32(ch, 0)))
                {
                    // The first space replaces the ideograph, the ideograph and the second space are inserted: all
                    // three take its alignment.
                    transforms.Add((" ", 0));
                    transforms.Add((ch, 1));
                    transforms.Add((" ", 1));
                    any = true;
                }
                else
                {
                    transforms.Add((ch, 0));
                }

                i += width;
            }

            if (any)
            {
                text.Transform(transforms, 0);
            }
        }

        if (stripAccents)
        {
            text.Normalize(NormalizationForm.FormD);
            text.Filter(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark);
        }

        if (lowercase)
        {
            text.Lowercase();
        }
    }

    private static bool IsWhitespace(int c) => c is '\t' or '\n' or '\r' || (c <= 0xFFFF ? char.IsWhiteSpace((char)c) : false);

    // tokenizers' is_other: Cc, Cf, Co (and Cs); unassigned code points are kept.
    private static bool IsControl(int c) => c is not ('\t' or '\n' or '\r') && CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    private static bool IsChineseChar(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}

/// <summary>
/// tokenizers' <c>BertPreTokenizer</c>: splits on white space (removed) and isolates each punctuation character
/// (ASCII punctuation or a Unicode P* character) as a word of its own.
/// </summary>
internal sealed class BertPreTokenizer : IPreTokenizer
{
    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        var aligned = new List<AlignedString>();
        var words = new List<AlignedString>();
        foreach (var piece in input)
        {
            aligned.Clear();
            aligned.Add(AlignedString.FromOriginal(piece.Text, 0, piece.Text.Length));
            words.Clear();
            PreTokenize(aligned, words);
            foreach (var word in words)
            {
                output.Add(new Piece(word.Text, piece.AtStart && word.OriginalStart == 0));
            }
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        var words = new List<AlignedString>();
        foreach (var piece in input)
        {
            Splitter.Split(piece, c => c <= 0xFFFF ? char.IsWhiteSpace((char)c) : false, SplitBehavior.Removed, words);
        }

        foreach (var word in words)
        {
            Splitter.Split(word, IsPunctuation, SplitBehavior.Isolated, output);
        }
    }

    private static bool IsPunctuation(int c) =>
        (c < 128 && char.IsAsciiLetterOrDigit((char)c) is false && c > 32 && c < 127)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
