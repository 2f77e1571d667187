using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Bytez.Engine.Generation;

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-sequence token.</summary>
    EndOfSequence,

    /// <summary>The token budget (<c>max_new_tokens</c>, <c>max_length</c> or the context) ran out.</summary>
    Length,

    /// <summary>A stop string was produced.</summary>
    StopString,

    /// <summary><c>max_time</c> passed.</summary>
    Time,
}

/// <summary>One piece of generated text; the last piece of a sequence carries why it ended.</summary>
/// <param name="Text">The text this step completed (may be empty).</param>
/// <param name="Finish">Set on the last piece only.</param>
/// <param name="GeneratedTokens">Tokens generated so far.</param>
public readonly record struct GenerationPiece(string Text, FinishReason? Finish, int GeneratedTokens);

/// <summary>
/// The one generation loop, for every runtime: feeds the prompt, then repeatedly samples a token, checks the stop
/// conditions and turns tokens into text incrementally. Streaming yields the pieces; a non-streamed answer is their
/// concatenation, so both give the same text for the same seed.
/// </summary>
public static class TextGenerator
{
    private static long _active;
    private static long _cancelled;

    /// <summary>Sequences being generated right now, in this process.</summary>
    public static long ActiveSequences => Interlocked.Read(ref _active);

    /// <summary>Sequences stopped by cancellation (a client that went away, a timeout) since the process started.</summary>
    public static long CancelledSequences => Interlocked.Read(ref _cancelled);

    /// <summary>Generates one sequence after <paramref name="prompt"/>.</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="settings">Validated generation settings.</param>
    /// <param name="seedOffset">Distinguishes the sequences of one request that asks for several.</param>
    /// <param name="cancellationToken">Stops generation at the next token.</param>
    public static async IAsyncEnumerable<GenerationPiece> GenerateAsync(
        IGenerativeInstance model,
        int[] prompt,
        GenerationSettings settings,
        int seedOffset = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(settings);
        if (prompt.Length == 0)
        {
            throw EngineException.BadInput("The prompt is empty after tokenization; give some text.");
        }

        if (prompt.Length >= model.ContextLength)
        {
            throw EngineException.BadInput(
                $"The prompt has {prompt.Length} tokens; this model's context holds {model.ContextLength}, so nothing can be generated. Shorten the input.");
        }

        var eos = settings.EosTokenIds ?? model.Defaults.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        if (settings.NumBeams > 1)
        {
            // Beam search knows its best sequence only at the end: one piece.
            var best = (await BeamSearchAsync(model, prompt, settings, cancellationToken).ConfigureAwait(false))[0];
            yield return Decode(model, prompt, best, eos);
            yield break;
        }

        var eosSet = eos.ToHashSet();
        var constraint = settings.OutputGrammar is { } grammar ? new Constraints.TokenConstraint(grammar, model.Tokenizer, model.VocabularySize, eos) : null;
        var sampler = new TokenSampler(settings, eos, seedOffset, constraint: constraint);
        var detokenizer = new IncrementalDetokenizer(model.Tokenizer, prompt);
        var budget = settings.NewTokenBudget(prompt.Length, model.ContextLength);
        var tokens = new List<int>(prompt.Length + budget);
        tokens.AddRange(prompt);
        var stops = new StopStringMatcher(settings.StopStrings);
        var clock = Stopwatch.StartNew();

        using var sequence = model.CreateSequence();
        Interlocked.Increment(ref _active);
        using var tracking = new Tracking(cancellationToken);
        if (budget == 0)
        {
            yield return new GenerationPiece(string.Empty, FinishReason.Length, 0);
            yield break;
        }

        var logits = await sequence.ForwardAsync(prompt, cancellationToken).ConfigureAwait(false);
        var generated = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = sampler.Next(logits.Span, tokens, prompt.Length, prompt.Length + budget);
            tokens.Add(token);
            generated++;

            if (eosSet.Contains(token))
            {
                yield return new GenerationPiece(detokenizer.Flush(), FinishReason.EndOfSequence, generated);
                yield break;
            }

            var text = detokenizer.Add(token);
            if (stops.Active && text.Length > 0 && stops.Append(text) is { } cut)
            {
                yield return new GenerationPiece(text[..cut], FinishReason.StopString, generated);
                yield break;
            }

            FinishReason? finish = generated >= budget ? FinishReason.Length
                : settings.MaxTime is { } limit && clock.Elapsed >= limit ? FinishReason.Time
                : null;
            if (finish is not null)
            {
                var rest = text + detokenizer.Flush();
                if (stops.Active && rest.Length > text.Length && stops.Append(rest[text.Length..]) is { } lateCut)
                {
                    yield return new GenerationPiece(rest[..(text.Length + lateCut)], FinishReason.StopString, generated);
                    yield break;
                }

                yield return new GenerationPiece(rest, finish, generated);
                yield break;
            }

            if (text.Length > 0)
            {
                yield return new GenerationPiece(text, null, generated);
            }

            logits = await sequence.ForwardAsync(new[] { token }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs beam search once and returns the texts of its best <c>num_return_sequences</c> finished beams, best first
    /// (the end-of-sequence token left out), as Hugging Face's <c>generate</c> returns them.
    /// </summary>
    /// <exception cref="EngineException">The model's runtime cannot run beam search, or the prompt does not fit.</exception>
    public static async Task<IReadOnlyList<GenerationPiece>> BeamSearchTextsAsync(
        IGenerativeInstance model, int[] prompt, GenerationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var eos = settings.EosTokenIds ?? model.Defaults.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var hypotheses = await BeamSearchAsync(model, prompt, settings, cancellationToken).ConfigureAwait(false);
        return hypotheses.Take(Math.Max(1, settings.NumReturnSequences)).Select(h => Decode(model, prompt, h, eos)).ToList();
    }

    private static GenerationPiece Decode(IGenerativeInstance model, int[] prompt, BeamHypothesis hypothesis, IReadOnlyList<int> eos)
    {
        var tokens = hypothesis.Tokens;
        var ended = tokens.Length > 0 && eos.Contains(tokens[^1]);
        var detokenizer = new IncrementalDetokenizer(model.Tokenizer, prompt);
        var text = string.Concat(tokens.Take(ended ? tokens.Length - 1 : tokens.Length).Select(detokenizer.Add)) + detokenizer.Flush();
        return new GenerationPiece(text, ended ? FinishReason.EndOfSequence : FinishReason.Length, tokens.Length);
    }

    /// <summary>
    /// Beam search after <paramref name="prompt"/> (<see cref="GenerationSettings.NumBeams"/> beams as the rows of one
    /// decoding, as Hugging Face runs it for decoder-only models): the finished sequences, best first, their tokens after
    /// the prompt.
    /// </summary>
    /// <exception cref="EngineException">The model's runtime cannot decode rows together (kind not supported).</exception>
    public static async Task<IReadOnlyList<BeamHypothesis>> BeamSearchAsync(
        IGenerativeInstance model, int[] prompt, GenerationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(settings);
        if (model is not IBeamSearchInstance beams)
        {
            throw EngineException.NotSupported("`num_beams` > 1 is not supported by this model's runtime; use num_beams 1.");
        }

        if (prompt.Length == 0 || prompt.Length >= model.ContextLength)
        {
            throw EngineException.BadInput($"The prompt has {prompt.Length} tokens; this model's context holds {model.ContextLength}.");
        }

        var eos = settings.EosTokenIds ?? model.Defaults.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var budget = settings.NewTokenBudget(prompt.Length, model.ContextLength);
        using var rows = await beams.StartRowsAsync(prompt, cancellationToken).ConfigureAwait(false);
        return await BeamSearch.RunAsync(rows, prompt, settings, eos, prompt.Length + budget, model.VocabularySize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts a sequence as active while it runs, and as cancelled if its token fired.</summary>
    private readonly struct Tracking(CancellationToken token) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Decrement(ref _active);
            if (token.IsCancellationRequested)
            {
                Interlocked.Increment(ref _cancelled);
            }
        }
    }

    /// <summary>Finds stop strings in text that arrives piece by piece, including across pieces.</summary>
    private sealed class StopStringMatcher(IReadOnlyList<string> stops)
    {
        private readonly int _longest = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
        private string _tail = string.Empty;

        public bool Active => stops.Count > 0;

        /// <summary>Adds a piece; returns how much of it to keep when a stop string ends inside it, else null.</summary>
        public int? Append(string piece)
        {
            var window = _tail + piece;
            var best = -1;
            foreach (var stop in stops)
            {
                var at = window.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var end = at + stop.Length;
                    best = best < 0 ? end : Math.Min(best, end);
                }
            }

            if (best >= 0)
            {
                return Math.Max(0, best - _tail.Length);
            }

            _tail = window.Length > _longest ? window[^Math.Max(0, _longest - 1)..] : window;
            return null;
        }
    }
}
