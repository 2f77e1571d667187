namespace Bytez.Engine.Generation;

/// <summary>
/// The logits processors of Hugging Face <c>generate</c> (transformers 4.57), in its order: repetition penalty,
/// then OpenAI's presence and frequency penalties (over the generated tokens only, as OpenAI and vLLM define them), no-repeat n-grams, bad words, minimum length (<c>min_length</c>, <c>min_new_tokens</c>), forced first token
/// (<c>forced_bos_token_id</c>), forced last token (<c>forced_eos_token_id</c>), <c>suppress_tokens</c>,
/// <c>begin_suppress_tokens</c>, then a model's own processor (<see cref="ILogitsProcessor"/>). Greedy search and sampling apply them to the logits, beam search to the
/// log-probabilities, as Hugging Face does. One instance serves every row of one request.
/// </summary>
public sealed class LogitsProcessors
{
    private readonly GenerationSettings _settings;
    private readonly int[] _eos;
    private readonly int _promptLength;
    private readonly int _maxLength;
    private readonly int _beginIndex;
    private readonly ILogitsProcessor? _extra;

    /// <summary>Creates the processors of one request.</summary>
    /// <param name="settings">The request's generation settings.</param>
    /// <param name="eosTokenIds">The tokens that end a sequence (masked until the minimum length).</param>
    /// <param name="promptLength">Tokens before the first generated one (the prompt, or the decoder start token).</param>
    /// <param name="maxLength">The most tokens a sequence may reach, prompt included (Hugging Face's <c>max_length</c> after <c>max_new_tokens</c>).</param>
    /// <param name="extra">A model's own processor, run last (Whisper's timestamp rules); <see langword="null"/> for none.</param>
    public LogitsProcessors(GenerationSettings settings, IEnumerable<int> eosTokenIds, int promptLength, int maxLength, ILogitsProcessor? extra = null)
    {
        _extra = extra;
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        _settings = settings;
        _eos = [.. eosTokenIds];
        _promptLength = promptLength;
        _maxLength = maxLength;
        _beginIndex = promptLength > 1 || settings.ForcedBosTokenId is null ? promptLength : promptLength + 1;
    }

    /// <summary>Applies the processors to <paramref name="scores"/> (one row of logits or log-probabilities).</summary>
    /// <param name="scores">The scores of the next token, changed in place.</param>
    /// <param name="tokens">Every token of the row so far, prompt (or decoder start token) included.</param>
    public void Apply(Span<float> scores, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var penalty = (float)_settings.RepetitionPenalty;
        if (penalty != 1f)
        {
            var seen = new HashSet<int>();
            foreach (var t in tokens)
            {
                if ((uint)t < (uint)scores.Length && seen.Add(t))
                {
                    scores[t] = scores[t] < 0 ? scores[t] * penalty : scores[t] / penalty;
                }
            }
        }

        ApplyPresenceAndFrequency(scores, tokens);

        var n = _settings.NoRepeatNgramSize;
        if (n > 0 && tokens.Count + 1 >= n)
        {
            // Ban every token that would complete an n-gram already present.
            for (var start = 0; start + n <= tokens.Count; start++)
            {
                var matches = true;
                for (var k = 0; k < n - 1 && matches; k++)
                {
                    matches = tokens[start + k] == tokens[tokens.Count - (n - 1) + k];
                }

                if (matches)
                {
                    Ban(scores, tokens[start + n - 1]);
                }
            }
        }

        foreach (var bad in _settings.BadWordsIds)
        {
            var prefix = bad.Length - 1;
            if (prefix > tokens.Count)
            {
                continue;
            }

            var matches = true;
            for (var k = 0; k < prefix && matches; k++)
            {
                matches = tokens[tokens.Count - prefix + k] == bad[k];
            }

            if (matches)
            {
                Ban(scores, bad[^1]);
            }
        }

        if (tokens.Count - _promptLength < _settings.MinimumNewTokens(_promptLength))
        {
            foreach (var eos in _eos)
            {
                Ban(scores, eos);
            }
        }

        if (_settings.ForcedBosTokenId is { } bos && tokens.Count == 1)
        {
            Force(scores, [bos]);
        }

        if (_settings.ForcedEosTokenIds is { Count: > 0 } forcedEos && tokens.Count == _maxLength - 1)
        {
            Force(scores, forcedEos);
        }

        foreach (var token in _settings.SuppressTokens)
        {
            Ban(scores, token);
        }

        if (tokens.Count == _beginIndex)
        {
            foreach (var token in _settings.BeginSuppressTokens)
            {
                Ban(scores, token);
            }
        }

        _extra?.Apply(scores, tokens);
    }

    /// <summary>
    /// OpenAI's penalties: <c>logit[t] -= presence * (count[t] &gt; 0) + frequency * count[t]</c>, where
    /// <c>count[t]</c> counts <c>t</c> among the tokens generated so far (after the prompt).
    /// </summary>
    private void ApplyPresenceAndFrequency(Span<float> scores, IReadOnlyList<int> tokens)
    {
        var presence = _settings.PresencePenalty;
        var frequency = _settings.FrequencyPenalty;
        if ((presence == 0 && frequency == 0) || tokens.Count <= _promptLength)
        {
            return;
        }

        var counts = new Dictionary<int, int>();
        for (var i = _promptLength; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if ((uint)t < (uint)scores.Length)
            {
                counts[t] = counts.GetValueOrDefault(t) + 1;
            }
        }

        foreach (var (token, count) in counts)
        {
            scores[token] = (float)(scores[token] - (presence + (frequency * count)));
        }
    }

    private static void Ban(Span<float> scores, int token)
    {
        if ((uint)token < (uint)scores.Length)
        {
            scores[token] = float.NegativeInfinity;
        }
    }

    /// <summary>Every score -inf except the forced tokens', which become 0 (as Hugging Face's forced-token processors do).</summary>
    private static void Force(Span<float> scores, IReadOnlyList<int> tokens)
    {
        scores.Fill(float.NegativeInfinity);
        foreach (var token in tokens)
        {
            if ((uint)token < (uint)scores.Length)
            {
                scores[token] = 0;
            }
        }
    }
}
