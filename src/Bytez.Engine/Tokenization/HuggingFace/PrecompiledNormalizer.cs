using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's <c>Precompiled</c> normalizer: SentencePiece's precompiled charsmap (a darts-clone double-array trie
/// over UTF-8 keys, then the NUL-terminated replacement strings), applied as <c>tokenizers</c> does — per extended
/// grapheme cluster shorter than 6 UTF-8 bytes the first (shortest) key that prefixes it replaces the whole cluster;
/// otherwise, and for longer clusters, per character. Lookups outside the arrays count as no match (where the Rust
/// crate would panic). Immutable and thread-safe.
/// </summary>
internal sealed class PrecompiledNormalizer : INormalizer
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly uint[] _trie;
    private readonly byte[] _normalized;

    private PrecompiledNormalizer(uint[] trie, byte[] normalized)
    {
        _trie = trie;
        _normalized = normalized;
    }

    /// <summary>Reads the charsmap from its base64 text; a malformed one is an <see cref="EngineException"/> (NotSupported).</summary>
    public static PrecompiledNormalizer FromBase64(string base64)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw EngineException.NotSupported("tokenizer.json: the Precompiled normalizer's precompiled_charsmap is not base64.");
        }

        if (bytes.Length < 4)
        {
            throw EngineException.NotSupported("tokenizer.json: the Precompiled normalizer's precompiled_charsmap is too short.");
        }

        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (trieBytes > (uint)(bytes.Length - 4))
        {
            throw EngineException.NotSupported("tokenizer.json: the Precompiled normalizer's precompiled_charsmap claims a trie longer than itself.");
        }

        var trie = new uint[trieBytes / 4];
        for (var i = 0; i < trie.Length; i++)
        {
            trie[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4 + (4 * i)));
        }

        var normalized = bytes[(4 + (4 * trie.Length))..];
        try
        {
            _ = Strict.GetCharCount(normalized);
        }
        catch (DecoderFallbackException)
        {
            throw EngineException.NotSupported("tokenizer.json: the Precompiled normalizer's replacement strings are not UTF-8.");
        }

        return new PrecompiledNormalizer(trie, normalized);
    }

    /// <inheritdoc />
    public string Normalize(string text)
    {
        if (text.Length == 0 || _trie.Length == 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        Walk(text, (part, replacement) => sb.Append(replacement ?? part));
        return sb.ToString();
    }

    /// <inheritdoc />
    public void Normalize(AlignedString text)
    {
        if (text.Text.Length == 0 || _trie.Length == 0)
        {
            return;
        }

        // As tokenizers: a replaced part becomes its replacement's characters with the precompiled change rule, a
        // kept character changes nothing; the text is rewritten only when something was replaced.
        var transforms = new List<(string Char, int Change)>(text.Text.Length);
        var modified = false;
        Walk(text.Text, (part, replacement) =>
        {
            if (replacement is null)
            {
                transforms.Add((part, 0));
                return;
            }

            modified = true;
            var count = 0;
            for (var i = 0; i < part.Length; i += AlignedString.Width(part, i))
            {
                count++;
            }

            AlignedString.AddReplacement(transforms, count, replacement);
        });
        if (modified)
        {
            text.Transform(transforms, 0);
        }
    }

    /// <summary>
    /// Visits the text in order as (part, replacement or null when kept): an extended grapheme cluster under 6 UTF-8
    /// bytes whole when the charsmap has it, otherwise each of its characters.
    /// </summary>
    private void Walk(string text, Action<string, string?> visit)
    {
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var grapheme = elements.GetTextElement();
            if (Encoding.UTF8.GetByteCount(grapheme) < 6 && Transform(grapheme) is { } whole)
            {
                visit(grapheme, whole);
                continue;
            }

            for (var i = 0; i < grapheme.Length;)
            {
                var length = char.IsHighSurrogate(grapheme[i]) && i + 1 < grapheme.Length && char.IsLowSurrogate(grapheme[i + 1]) ? 2 : 1;
                var part = grapheme.Substring(i, length);
                visit(part, Transform(part));
                i += length;
            }
        }
    }

    /// <summary>The replacement for the first charsmap key that prefixes <paramref name="chunk"/>, or null.</summary>
    private string? Transform(string chunk)
    {
        var key = Encoding.UTF8.GetBytes(chunk);
        long position = 0;
        var unit = _trie[0];
        position ^= Offset(unit);
        foreach (var c in key)
        {
            if (c == 0)
            {
                break;
            }

            position ^= c;
            if (position >= _trie.Length)
            {
                return null;
            }

            unit = _trie[position];
            if ((unit & 0x800000FFu) != c)
            {
                return null;
            }

            position ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if (position >= _trie.Length)
                {
                    return null;
                }

                return Replacement(_trie[position] & 0x7FFFFFFFu);
            }
        }

        return null;
    }

    private string? Replacement(uint index)
    {
        if (index > (uint)_normalized.Length)
        {
            return null;
        }

        var end = Array.IndexOf(_normalized, (byte)0, (int)index);
        var span = _normalized.AsSpan((int)index, (end < 0 ? _normalized.Length : end) - (int)index);
        try
        {
            return Strict.GetString(span);
        }
        catch (DecoderFallbackException)
        {
            return null; // a cut inside a character: Rust would panic
        }
    }

    private static long Offset(uint unit) => (long)(unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
