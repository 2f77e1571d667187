namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Keeps one generated sequence inside a <see cref="CompiledGrammar"/> at the token level, for every runtime: the
/// engine's own sampling loop drives llama.cpp models too, so this one mask replaces llama.cpp's GBNF grammar sampler.
/// <see cref="Allows"/> checks a single token (the sampler asks about its pick first, as llama.cpp does, and builds the
/// full mask only when the pick is rejected); <see cref="Mask"/> walks the vocabulary trie with the automaton and
/// skips every subtree whose prefix is rejected. The end-of-sequence tokens are allowed only when the text so far is
/// complete, and they are all that is left once nothing else can follow. No allocation per step once warm.
/// </summary>
public sealed class TokenConstraint
{
    private readonly GrammarMatcher _matcher;
    private readonly TokenVocabulary _vocabulary;
    private readonly int[] _eos;
    private readonly ulong[] _allowed;
    private readonly GrammarMatcher.State[] _states;
    private readonly TokenMaskCache? _masks;
    private int[] _key = new int[64];
    private bool _allowedCurrent;

    /// <summary>Creates the constraint of one sequence.</summary>
    /// <param name="grammar">What the generated text must match.</param>
    /// <param name="tokenizer">The model's tokenizer (its token bytes are read once per tokenizer and cached).</param>
    /// <param name="vocabularySize">The number of logits per position.</param>
    /// <param name="eosTokenIds">The tokens that end the sequence.</param>
    public TokenConstraint(CompiledGrammar grammar, ITextTokenizer tokenizer, int vocabularySize, IEnumerable<int> eosTokenIds)
        : this(grammar, tokenizer, vocabularySize, eosTokenIds, shareMasks: true)
    {
    }

    /// <summary>Creates the constraint of one sequence; without <paramref name="shareMasks"/> every mask is walked afresh (the reference path, for tests).</summary>
    internal TokenConstraint(CompiledGrammar grammar, ITextTokenizer tokenizer, int vocabularySize, IEnumerable<int> eosTokenIds, bool shareMasks)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        _matcher = new GrammarMatcher(grammar);
        _vocabulary = TokenVocabulary.For(tokenizer, vocabularySize);
        _eos = [.. eosTokenIds.Where(e => (uint)e < (uint)vocabularySize).Distinct()];
        _allowed = new ulong[(vocabularySize + 63) / 64];
        _states = new GrammarMatcher.State[_vocabulary.MaxDepth + 1];
        _masks = shareMasks ? grammar.MasksFor(_vocabulary) : null;
    }

    /// <summary>Whether the text so far is complete (an end-of-sequence token may follow).</summary>
    public bool IsComplete => _matcher.IsComplete;

    /// <summary>The end-of-sequence tokens this constraint allows once complete.</summary>
    public IReadOnlyList<int> EosTokenIds => _eos;

    /// <summary>Whether <paramref name="token"/> may come next.</summary>
    public bool Allows(int token)
    {
        if (Array.IndexOf(_eos, token) >= 0)
        {
            return _matcher.IsComplete;
        }

        return (uint)token < (uint)_vocabulary.TokenBytes.Length && _vocabulary.TokenBytes[token] is { } bytes && _matcher.Allows(bytes);
    }

    /// <summary>Sets the score of every token that may not come next to negative infinity.</summary>
    public void Mask(Span<float> scores)
    {
        if (!_allowedCurrent)
        {
            ComputeAllowed();
            _allowedCurrent = true; // until the next commit: a second mask of the same step (a redraw) reuses it
        }

        // A word at a time: all-allowed words are skipped, all-rejected ones filled.
        var allowed = _allowed;
        for (var w = 0; w < allowed.Length && w << 6 < scores.Length; w++)
        {
            var bits = allowed[w];
            if (bits == ulong.MaxValue)
            {
                continue;
            }

            var start = w << 6;
            var end = Math.Min(start + 64, scores.Length);
            if (bits == 0)
            {
                scores[start..end].Fill(float.NegativeInfinity);
                continue;
            }

            for (var i = start; i < end; i++)
            {
                if ((bits & (1UL << (i - start))) == 0)
                {
                    scores[i] = float.NegativeInfinity;
                }
            }
        }
    }

    /// <summary>Advances past <paramref name="token"/>, which must be allowed (end-of-sequence tokens change nothing).</summary>
    /// <exception cref="InvalidOperationException">The token is not allowed.</exception>
    public void Commit(int token)
    {
        if (Array.IndexOf(_eos, token) >= 0)
        {
            return;
        }

        if ((uint)token >= (uint)_vocabulary.TokenBytes.Length || _vocabulary.TokenBytes[token] is not { } bytes || !_matcher.TryAdvance(bytes))
        {
            throw new InvalidOperationException($"Token {token} does not fit the output grammar here.");
        }

        _allowedCurrent = false;
    }

    private void ComputeAllowed()
    {
        // States recur (every character of a long string, the same schema in the next request): the grammar keeps
        // their masks for every sequence.
        if (_masks is null)
        {
            Walk();
        }
        else
        {
            var length = _matcher.WriteKey(ref _key);
            if (_masks.TryGet(_key, length, out var known))
            {
                known.CopyTo(_allowed, 0);
            }
            else
            {
                Walk();
                _masks.Add(_key, length, _allowed);
            }
        }

        var complete = _matcher.IsComplete;
        foreach (var eos in _eos)
        {
            if (complete)
            {
                _allowed[eos >> 6] |= 1UL << (eos & 63);
            }
            else
            {
                _allowed[eos >> 6] &= ~(1UL << (eos & 63));
            }
        }
    }

    private void Walk()
    {
        Array.Clear(_allowed);
        var v = _vocabulary;
        var m = _matcher;
        var root = m.Save();
        _states[0] = root;
        var nodes = v.NodeByte.Length;
        var i = 0;
        if (m.CanContinue)
        {
            while (i < nodes)
            {
                var depth = v.NodeDepth[i];
                m.Restore(_states[depth - 1]);
                if (!m.Step(v.NodeByte[i]))
                {
                    i = v.SubtreeEnd[i];
                    continue;
                }

                _states[depth] = m.Save();
                for (var t = v.NodeTokenStart[i]; t < v.NodeTokenStart[i + 1]; t++)
                {
                    var id = v.NodeTokens[t];
                    _allowed[id >> 6] |= 1UL << (id & 63);
                }

                i++;
            }
        }

        m.Restore(root);
    }
}
