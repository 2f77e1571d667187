using System.Runtime.CompilerServices;
using System.Text;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// The bytes each token of a model's vocabulary stands for, and a trie over them, built once per tokenizer. Token
/// bytes come from the vocabulary's spelling: byte-level BPE (GPT-2, Llama 3, Qwen: a space is <c>Ġ</c>) maps each
/// character back to its byte; SentencePiece (<c>▁</c> for a space, <c>&lt;0x0A&gt;</c> byte tokens) is decoded as
/// such; anything else is taken as UTF-8 text, leaving out pieces that are not whole characters. Special tokens and
/// tokens without bytes are never allowed by a grammar. The trie is stored in preorder so a walk skips a rejected
/// subtree with one jump.
/// </summary>
internal sealed class TokenVocabulary
{
    private static readonly ConditionalWeakTable<ITextTokenizer, TokenVocabulary> Cache = [];

    private TokenVocabulary(byte[]?[] bytes)
    {
        TokenBytes = bytes;
        var ids = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] is { Length: > 0 }).ToArray();
        Array.Sort(ids, (a, b) => bytes[a].AsSpan().SequenceCompareTo(bytes[b]) is var c && c != 0 ? c : a.CompareTo(b));

        var nodeByte = new List<byte>();
        var nodeDepth = new List<int>();
        var subtreeEnd = new List<int>();
        var tokensEnd = new List<int>();
        var open = new List<int>();
        ReadOnlySpan<byte> previous = [];
        foreach (var id in ids)
        {
            var current = bytes[id].AsSpan();
            var common = 0;
            while (common < previous.Length && common < current.Length && previous[common] == current[common] && common < open.Count)
            {
                common++;
            }

            while (open.Count > common)
            {
                subtreeEnd[open[^1]] = nodeByte.Count;
                open.RemoveAt(open.Count - 1);
            }

            for (var d = common; d < current.Length; d++)
            {
                open.Add(nodeByte.Count);
                nodeByte.Add(current[d]);
                nodeDepth.Add(d + 1);
                subtreeEnd.Add(0);
                tokensEnd.Add(0);
            }

            tokensEnd[open[^1]]++;
            previous = current;
        }

        while (open.Count > 0)
        {
            subtreeEnd[open[^1]] = nodeByte.Count;
            open.RemoveAt(open.Count - 1);
        }

        // Token ids per node, in node order (tokensEnd holds counts until here).
        NodeTokenStart = new int[nodeByte.Count + 1];
        for (var i = 0; i < nodeByte.Count; i++)
        {
            NodeTokenStart[i + 1] = NodeTokenStart[i] + tokensEnd[i];
        }

        NodeTokens = ids;
        NodeByte = [.. nodeByte];
        NodeDepth = [.. nodeDepth];
        SubtreeEnd = [.. subtreeEnd];
        MaxDepth = nodeDepth.Count == 0 ? 0 : nodeDepth.Max();
    }

    /// <summary>Each token's bytes; <see langword="null"/> for tokens a grammar never allows.</summary>
    public byte[]?[] TokenBytes { get; }

    /// <summary>The byte of each trie node (the root is not stored).</summary>
    public byte[] NodeByte { get; }

    /// <summary>Each node's depth (1 for the first byte).</summary>
    public int[] NodeDepth { get; }

    /// <summary>The index after each node's last descendant.</summary>
    public int[] SubtreeEnd { get; }

    /// <summary>Node i's tokens are <c>NodeTokens[NodeTokenStart[i]..NodeTokenStart[i + 1]]</c>.</summary>
    public int[] NodeTokenStart { get; }

    /// <summary>The token ids in trie order.</summary>
    public int[] NodeTokens { get; }

    /// <summary>The longest token, in bytes.</summary>
    public int MaxDepth { get; }

    /// <summary>The vocabulary of <paramref name="tokenizer"/> for a model of <paramref name="vocabularySize"/> logits, built once.</summary>
    public static TokenVocabulary For(ITextTokenizer tokenizer, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var vocabulary = Cache.GetValue(tokenizer, t => Build(t, vocabularySize));
        return vocabulary.TokenBytes.Length == vocabularySize ? vocabulary : Build(tokenizer, vocabularySize);
    }

    private static TokenVocabulary Build(ITextTokenizer tokenizer, int vocabularySize)
    {
        var texts = new string?[vocabularySize];
        int byteLevel = 0, sentencePiece = 0;
        for (var id = 0; id < vocabularySize; id++)
        {
            var text = tokenizer.IsSpecial(id) ? null : tokenizer.TokenToString(id);
            texts[id] = text;
            if (text is null)
            {
                continue;
            }

            if (text.Contains('\u0120') || text.Contains('\u010A'))
            {
                byteLevel++;
            }
            else if (text.Contains('\u2581'))
            {
                sentencePiece++;
            }
        }

        var style = byteLevel > sentencePiece ? Style.ByteLevel : sentencePiece > 0 ? Style.SentencePiece : Style.Text;
        var bytes = new byte[]?[vocabularySize];
        for (var id = 0; id < vocabularySize; id++)
        {
            bytes[id] = texts[id] is { Length: > 0 } text ? BytesOf(text, style) : null;
        }

        return new TokenVocabulary(bytes);
    }

    private static byte[]? BytesOf(string text, Style style)
    {
        if (text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var single))
        {
            return [single];
        }

        switch (style)
        {
            case Style.ByteLevel:
                var result = new byte[text.Length];
                for (var i = 0; i < text.Length; i++)
                {
                    var c = text[i];
                    var b = c < ByteLevelMap.CharToByte.Length ? ByteLevelMap.CharToByte[c] : (short)-1;
                    if (b < 0)
                    {
                        // Not in byte-level spelling (an added token written as plain text).
                        return Encoding.UTF8.GetBytes(text);
                    }

                    result[i] = (byte)b;
                }

                return result;
            case Style.SentencePiece:
                return Encoding.UTF8.GetBytes(text.Replace('\u2581', ' '));
            default:
                return text.Contains('\uFFFD') ? null : Encoding.UTF8.GetBytes(text);
        }
    }

    private enum Style
    {
        ByteLevel,
        SentencePiece,
        Text,
    }
}
