using System.Text;
using Bytez.Engine.Generation;
using LLama;
using LLama.Native;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// llama.cpp's own tokenizer of a loaded GGUF model: special tokens written in the text (chat-template markers) are
/// parsed as control tokens; BOS is added when the vocabulary asks for it.
/// </summary>
internal sealed class LlamaCppTokenizer : ITextTokenizer
{
    private readonly SafeLlamaModelHandle _model;
    private readonly SafeLlamaModelHandle.Vocabulary _vocab;
    private readonly LLamaTokenAttr[] _attributes;
    private readonly string[]? _texts;
    private readonly bool _stripLeadingSpace;

    public LlamaCppTokenizer(LLamaWeights weights, string[]? tokenTexts, bool addSpacePrefix)
    {
        _model = weights.NativeHandle;
        _vocab = weights.Vocab;
        int count = _vocab.Count;
        _texts = tokenTexts is { Length: var n } && n == count ? tokenTexts : null;
        _attributes = new LLamaTokenAttr[count];
        var eog = new List<int>();
        for (int id = 0; id < count; id++)
        {
            LLamaToken token = id;
            _attributes[id] = token.GetAttributes(_vocab);
            if (token.IsEndOfGeneration(_vocab))
            {
                eog.Add(id);
            }
        }

        var eos = new List<int>();
        foreach (LLamaToken? t in new[] { _vocab.EOS, _vocab.EOT })
        {
            if (t is { } tok && !eos.Contains((int)tok))
            {
                eos.Add((int)tok);
            }
        }

        eos.AddRange(eog.Where(id => !eos.Contains(id)));
        EosTokenIds = eos;
        BosTokenId = _vocab.BOS is { } bos ? (int)bos : null;
        BosToken = BosTokenId is int b ? TokenToString(b) : null;
        EosToken = eos.Count > 0 ? TokenToString(eos[0]) : null;
        _stripLeadingSpace = _vocab.Type == LLamaVocabType.SentencePiece && addSpacePrefix;
    }

    public int? BosTokenId { get; }

    public IReadOnlyList<int> EosTokenIds { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        LLamaToken[] tokens = _model.Tokenize(text, addSpecialTokens, special: true, Encoding.UTF8);
        var ids = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            ids[i] = (int)tokens[i];
        }

        return ids;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var bytes = new List<byte>(ids.Length * 4);
        Span<byte> buffer = stackalloc byte[256];
        bool first = true, strip = false;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_attributes.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (0 to {_attributes.Length - 1}).");
            }

            if (skipSpecialTokens && IsSpecial(id))
            {
                continue;
            }

            ReadOnlySpan<byte> piece = Piece(id, buffer);
            if (first)
            {
                strip = _stripLeadingSpace && !IsSpecial(id) && piece.Length > 0 && piece[0] == (byte)' ';
                first = false;
            }

            foreach (byte b in piece)
            {
                bytes.Add(b);
            }

        }

        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
        return strip ? text[1..] : text;
    }

    public string? TokenToString(int id)
    {
        if ((uint)id >= (uint)_attributes.Length)
        {
            return null;
        }

        if (_texts is not null)
        {
            return _texts[id];
        }

        Span<byte> buffer = stackalloc byte[256];
        return Encoding.UTF8.GetString(Piece(id, buffer));
    }

    public bool IsSpecial(int id) =>
        (uint)id < (uint)_attributes.Length && (_attributes[id] & (LLamaTokenAttr.Control | LLamaTokenAttr.Unknown)) != 0;

    private ReadOnlySpan<byte> Piece(int id, Span<byte> buffer)
    {
        int n = NativeApi.llama_token_to_piece(_vocab, id, buffer, 0, special: true);
        if (n >= 0)
        {
            return buffer[..n];
        }

        var large = new byte[-n];
        n = NativeApi.llama_token_to_piece(_vocab, id, large, 0, special: true);
        return large.AsSpan(0, Math.Max(n, 0));
    }
}
