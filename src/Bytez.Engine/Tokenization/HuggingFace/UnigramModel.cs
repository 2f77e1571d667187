using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's Unigram model (SentencePiece unigram: T5, XLM-R, DeBERTa-v2/v3, ALBERT, Marian): a vocabulary of
/// pieces with log-probability scores, segmented by the Viterbi best path exactly as <c>tokenizers</c>'
/// <c>Unigram::encode_optimized</c> does — candidates from a prefix trie at each character, scores summed, a character
/// no single piece covers becomes the unknown piece with score <c>min_score - 10</c>, ties go to the earlier start,
/// runs of unknown pieces are fused into one, and with <c>byte_fallback</c> an unknown run becomes its UTF-8 bytes as
/// <c>&lt;0xXX&gt;</c> pieces when all of them exist. Thread-safe (immutable after construction).
/// </summary>
internal sealed class UnigramModel : ITokenModel
{
    /// <summary>The penalty <c>tokenizers</c> subtracts from the lowest score to score an unknown character.</summary>
    private const double UnknownPenalty = 10.0;

    private readonly Dictionary<string, int> _vocab;
    private readonly double[] _scores;
    private readonly int? _unkId;
    private readonly bool _byteFallback;
    private readonly double _unkScore;

    // A character trie over the pieces: children keyed by (node << 16 | char), the piece id ending at a node or -1.
    private readonly Dictionary<long, int> _children = [];
    private readonly List<int> _terminal = [-1];

    /// <summary>Builds the model; pieces are in id order. Throws <see cref="EngineException"/> for a vocabulary <c>tokenizers</c> would reject.</summary>
    public UnigramModel(List<(string Piece, double Score)> pieces, int? unkId, bool byteFallback)
    {
        if (pieces.Count == 0)
        {
            throw EngineException.NotSupported("tokenizer.json: the Unigram vocabulary is empty.");
        }

        if (unkId is int u && (u < 0 || u >= pieces.Count))
        {
            throw EngineException.NotSupported($"tokenizer.json: the Unigram unk_id {u} is not an index of the vocabulary of {pieces.Count} pieces.");
        }

        _unkId = unkId;
        _byteFallback = byteFallback;
        _vocab = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        _scores = new double[pieces.Count];
        IdToToken = new string?[pieces.Count];
        var minScore = double.PositiveInfinity;
        for (var id = 0; id < pieces.Count; id++)
        {
            var (piece, score) = pieces[id];
            if (!double.IsFinite(score))
            {
                throw EngineException.NotSupported($"tokenizer.json: the Unigram piece '{piece}' has the score {score}; scores are finite numbers.");
            }

            IdToToken[id] = piece;
            _scores[id] = score;
            _vocab[piece] = id;
            minScore = Math.Min(minScore, score);

            // Later duplicates win (their id and score), as in tokenizers' HashMap.
            Insert(piece, id);
        }

        _unkScore = minScore - UnknownPenalty;
    }

    /// <inheritdoc />
    public string?[] IdToToken { get; }

    /// <inheritdoc />
    public int Count => IdToToken.Length;

    /// <inheritdoc />
    public int? UnknownId => _unkId;

    /// <inheritdoc />
    public string? ContinuingSubwordPrefix => null;

    /// <inheritdoc />
    public bool TryGetId(string token, out int id) => _vocab.TryGetValue(token, out id);

    /// <inheritdoc />
    public void Tokenize(string word, List<int> output)
    {
        var tokens = new List<(int Id, int Start, int End)>();
        Tokenize(word, tokens);
        foreach (var token in tokens)
        {
            output.Add(token.Id);
        }
    }

    /// <summary>
    /// Appends the pieces of one pre-tokenized word with their offsets in it (UTF-16 indexes, end exclusive). Byte
    /// fallback pieces all carry the offsets of the unknown run they spell, as in <c>tokenizers</c>.
    /// </summary>
    /// <exception cref="EngineException">The word has a character no piece covers and the model has no <c>unk_id</c> (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public void Tokenize(string word, List<(int Id, int Start, int End)> output)
    {
        var n = word.Length;
        if (n == 0)
        {
            return;
        }

        // Best path ending at each UTF-16 index: its score, the start of its last piece (-1: not reached) and that piece.
        var bestScore = new double[n + 1];
        var bestStart = new int[n + 1];
        var bestId = new int[n + 1];
        Array.Fill(bestStart, -1);
        for (var start = 0; start < n;)
        {
            var charLength = char.IsHighSurrogate(word[start]) && start + 1 < n && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            var tillHere = bestScore[start];
            var hasSingle = false;
            var node = 0;
            for (var end = start; end < n;)
            {
                if (!_children.TryGetValue(((long)node << 16) | word[end], out node))
                {
                    break;
                }

                end++;
                var id = _terminal[node];
                if (id < 0 || (end < n && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1])))
                {
                    continue;
                }

                var candidate = _scores[id] + tillHere;
                if (bestStart[end] < 0 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = id;
                }

                hasSingle |= end - start == charLength;
            }

            if (!hasSingle)
            {
                var end = start + charLength;
                var unkId = _unkId ?? throw EngineException.NotSupported(
                    "tokenizer.json: the Unigram model has no piece for a character of the text and no unk_id to stand for it.");
                var candidate = _unkScore + tillHere;
                if (bestStart[end] < 0 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = unkId;
                }
            }

            start += charLength;
        }

        // Walk back; consecutive unknown pieces are fused (tokenizers' fuse_unk is always on for Unigram).
        var path = new List<(int Id, int Start, int End)>();
        var unkEnd = -1;
        var unkStart = -1;
        for (var end = n; end > 0;)
        {
            var start = bestStart[end];
            if (_unkId is int unk && bestId[end] == unk)
            {
                if (unkEnd < 0)
                {
                    unkEnd = end;
                }

                unkStart = start;
            }
            else
            {
                if (unkEnd >= 0)
                {
                    path.Add((-1, unkStart, unkEnd));
                    unkEnd = -1;
                }

                path.Add((bestId[end], start, end));
            }

            end = start;
        }

        if (unkEnd >= 0)
        {
            path.Add((-1, unkStart, unkEnd));
        }

        for (var k = path.Count - 1; k >= 0; k--)
        {
            var (id, start, end) = path[k];
            if (id >= 0)
            {
                output.Add((id, start, end));
                continue;
            }

            // A fused unknown run: its text may itself be a piece; else bytes; else the unknown id.
            var text = word[start..end];
            if (_vocab.TryGetValue(text, out var known))
            {
                output.Add((known, start, end));
                continue;
            }

            if (_byteFallback && TryAddBytes(text, start, end, output))
            {
                continue;
            }

            output.Add((_unkId!.Value, start, end));
        }
    }

    private bool TryAddBytes(string text, int start, int end, List<(int Id, int Start, int End)> output)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!_vocab.TryGetValue($"<0x{bytes[i]:X2}>", out ids[i]))
            {
                return false;
            }
        }

        foreach (var id in ids)
        {
            output.Add((id, start, end));
        }

        return true;
    }

    private void Insert(string piece, int id)
    {
        var node = 0;
        foreach (var c in piece)
        {
            var key = ((long)node << 16) | c;
            if (!_children.TryGetValue(key, out var child))
            {
                child = _terminal.Count;
                _terminal.Add(-1);
                _children[key] = child;
            }

            node = child;
        }

        // An empty piece is never matched (tokenizers' trie yields no empty prefix).
        if (node != 0)
        {
            _terminal[node] = id;
        }
    }
}
