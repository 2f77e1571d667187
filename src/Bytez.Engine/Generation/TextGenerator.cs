using System.Diagnostics;
using System.Runtime.CompilerServices;
using Bytez.Engine.Metrics;

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
public readonly record struct GenerationPiece(string Text, FinishReason? Finish, int GeneratedTokens)
{
    /// <summary>The prompt's tokens.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Of <see cref="PromptTokens"/>, those the runtime's prefix cache supplied (<see cref="IDecoderSequence.ReusedTokens"/>).</summary>
    public int CachedPromptTokens { get; init; }

    /// <summary>
    /// The log-probabilities of the tokens generated since the previous piece, when <see cref="GenerationSettings.Logprobs"/>
    /// asks for them; else <see langword="null"/>. A token whose text is held back (part of a character) is reported
    /// with the piece that completes its text.
    /// </summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }
}

/// <summary>
/// The one generation loop, for every runtime: feeds the prompt, then repeatedly samples a token, checks the stop
/// conditions and turns tokens into text incrementally. Streaming yields the pieces; a non-streamed answer is their
/// concatenation, so both give the same text for the same seed.
/// </summary>
public static class TextGenerator
{
    /// <summary>Generates one sequence after <paramref name="prompt"/>.</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="settings">Validated generation settings.</param>
    /// <param name="seedOffset">Distinguishes the sequences of one request that asks for several.</param>
    /// <param name="metrics">Records the sequence (active, cancelled, prompt and generated tokens, rate); none when null.</param>
    /// <param name="cancellationToken">Stops generation at the next token.</param>
    public static async IAsyncEnumerable<GenerationPiece> GenerateAsync(
        IGenerativeInstance model,
        int[] prompt,
        GenerationSettings settings,
        int seedOffset = 0,
        EngineMetrics? metrics = null,
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
            var started = Stopwatch.GetTimestamp();
            var best = (await BeamSearchAsync(model, prompt, settings, cancellationToken).ConfigureAwait(false))[0];
            var piece = Decode(model, prompt, best, eos);
            metrics?.Generated(model.Model.Id, piece.GeneratedTokens, Stopwatch.GetElapsedTime(started));
            yield return piece;
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
        using var tracking = new Tracking(metrics, model.Model.Id, prompt.Length, cancellationToken);
        if (budget == 0)
        {
            yield return new GenerationPiece(string.Empty, FinishReason.Length, 0) { PromptTokens = prompt.Length };
            yield break;
        }

        var logits = await sequence.ForwardAsync(prompt, cancellationToken).ConfigureAwait(false);
        var generated = 0;
        List<TokenLogprob>? logprobs = settings.Logprobs ? [] : null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = sampler.Next(logits.Span, tokens, prompt.Length, prompt.Length + budget);
            tokens.Add(token);
            generated++;
            tracking.Generated = generated;
            logprobs?.Add(TokenLogprobs.Compute(logits.Span, token, settings.TopLogprobs, model.Tokenizer));

            if (eosSet.Contains(token))
            {
                yield return Piece(detokenizer.Flush(), FinishReason.EndOfSequence);
                yield break;
            }

            var text = detokenizer.Add(token);
            if (stops.Active && text.Length > 0 && stops.Append(text) is { } cut)
            {
                yield return Piece(text[..cut], FinishReason.StopString);
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
                    yield return Piece(rest[..(text.Length + lateCut)], FinishReason.StopString);
                    yield break;
                }

                yield return Piece(rest, finish);
                yield break;
            }

            if (text.Length > 0)
            {
                yield return Piece(text, null);
            }

            logits = await sequence.ForwardAsync(new[] { token }, cancellationToken).ConfigureAwait(false);
        }

        // A piece with the tokens' log-probabilities gathered since the previous one.
        GenerationPiece Piece(string text, FinishReason? finish)
        {
            var piece = new GenerationPiece(text, finish, generated)
            {
                PromptTokens = prompt.Length, CachedPromptTokens = sequence.ReusedTokens, Logprobs = logprobs is { Count: > 0 } ? [.. logprobs] : null,
            };
            logprobs?.Clear();
            return piece;
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
        return new GenerationPiece(text, ended ? FinishReason.EndOfSequence : FinishReason.Length, tokens.Length) { PromptTokens = prompt.Length };
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

    /// <summary>
    /// Records a sequence in the engine's metrics: active while it runs, its prompt tokens at the start, and at the end
    /// its generated tokens and rate, and whether its token cancelled it.
    /// </summary>
    private sealed class Tracking : IDisposable
    {
        private readonly EngineMetrics? _metrics;
        private readonly string _modelId;
        private readonly CancellationToken _token;
        private readonly long _started = Stopwatch.GetTimestamp();

        public Tracking(EngineMetrics? metrics, string modelId, int promptTokens, CancellationToken token)
        {
            _metrics = metrics;
            _modelId = modelId;
            _token = token;
            _metrics?.SequenceStarted(modelId, promptTokens);
        }

        /// <summary>Tokens generated so far.</summary>
        public int Generated { get; set; }

        public void Dispose() =>
            _metrics?.SequenceEnded(_modelId, Generated, Stopwatch.GetElapsedTime(_started), cancelled: _token.IsCancellationRequested);
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
