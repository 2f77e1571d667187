using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>
/// A validated <c>summarization</c> / <c>translation</c> / <c>text2text-generation</c> request, ready to run: made by
/// <see cref="Seq2SeqGenerator.Prepare"/> before anything is sent, so that a bad parameter is refused first.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Config">The resolved generation configuration (task, baseline, prefix).</param>
/// <param name="Settings">The settings after the request's <c>params</c>.</param>
/// <param name="Source">The source token ids (prefix and special tokens included).</param>
/// <param name="DecoderStartTokenId">The first decoder token.</param>
/// <param name="EosTokenIds">The tokens that end a sequence.</param>
/// <param name="MaxLength">The most decoder tokens, start token included (Hugging Face's <c>max_length</c> after <c>max_new_tokens</c>).</param>
public sealed record Seq2SeqRequest(
    ISeq2SeqInstance Model, Seq2SeqGenerationConfig Config, GenerationSettings Settings, int[] Source, int DecoderStartTokenId,
    IReadOnlyList<int> EosTokenIds, int MaxLength);

/// <summary>
/// Encoder-decoder generation as the transformers 4.57 <c>Text2TextGenerationPipeline</c> (and its summarization and
/// translation subclasses) runs it: the prefix and the source tokenized with special tokens, the encoder run once, then
/// beam search (<c>num_beams</c> &gt; 1, the pipeline's default 4), greedy search or sampling from the decoder start
/// token; each sequence decoded with special tokens skipped and no clean-up of spaces.
/// </summary>
public static class Seq2SeqGenerator
{
    /// <summary>Resolves the configuration of <paramref name="task"/>, reads <paramref name="parameters"/> over it and tokenizes <paramref name="text"/>.</summary>
    /// <exception cref="EngineException">A parameter is invalid, or the text is longer than the model takes (kind bad input or not supported).</exception>
    public static Seq2SeqRequest Prepare(ISeq2SeqInstance model, string text, string task, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(task);
        var info = model.Info;
        var config = Seq2SeqGenerationConfig.Resolve(info, task);
        var settings = GenerationSettings.Parse(parameters, config.Baseline, info.VocabularySize, beamSearch: true);
        if (settings.StopStrings.Count > 0)
        {
            throw EngineException.NotSupported("Stop strings are not supported for encoder-decoder models; use max_new_tokens.");
        }

        if (settings.OutputGrammar is not null)
        {
            throw EngineException.NotSupported("`response_format` is supported for decoder-only text-generation and chat models, not encoder-decoder models.");
        }

        var source = model.Tokenizer.Encode(config.Prefix + text, addSpecialTokens: true);
        if (source.Length == 0)
        {
            throw EngineException.BadInput("The text is empty after tokenization; give some text.");
        }

        if (source.Length > info.MaxSourceLength)
        {
            throw EngineException.BadInput(
                $"The text has {source.Length} tokens; this model reads at most {info.MaxSourceLength}. Shorten the input.");
        }

        var start = settings.DecoderStartTokenId ?? info.DecoderStartTokenId ?? info.BosTokenId
            ?? throw EngineException.NotSupported("The model's configuration names no decoder_start_token_id (nor bos_token_id).");
        var eos = settings.EosTokenIds ?? info.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var maxLength = settings.MaxNewTokens is { } n ? (int)Math.Min((long)n + 1, int.MaxValue) : settings.MaxLength;
        maxLength = Math.Min(maxLength, info.MaxTargetLength);
        return new Seq2SeqRequest(model, config, settings, source, start, eos, maxLength);
    }

    /// <summary>Generates the request's sequences (<c>num_return_sequences</c> of them, best first for beam search) and decodes them.</summary>
    public static async Task<IReadOnlyList<string>> GenerateAsync(Seq2SeqRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tokens = await GenerateTokensAsync(request, cancellationToken).ConfigureAwait(false);
        return tokens.Select(t => request.Model.Tokenizer.Decode(t, skipSpecialTokens: true)).ToArray();
    }

    /// <summary>Generates the request's sequences as token ids (the decoder start token left out, EOS kept when one ended it).</summary>
    public static async Task<IReadOnlyList<int[]>> GenerateTokensAsync(Seq2SeqRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var decoding = await request.Model.EncodeAsync(request.Source, cancellationToken).ConfigureAwait(false);
        return await DecodeAsync(
            decoding, [request.DecoderStartTokenId], request.Settings, request.EosTokenIds, request.MaxLength, request.Model.Info.VocabularySize, null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decodes an encoded source from a decoder prompt: beam search when <c>num_beams</c> &gt; 1 (<c>num_return_sequences</c>
    /// best first), else greedy search or sampling of <c>num_return_sequences</c> rows. Text, image and speech models share it.
    /// </summary>
    /// <param name="decoding">A decoding of one row that has been fed every token of <paramref name="prompt"/> but the last.</param>
    /// <param name="prompt">The decoder prompt: the decoder start token, or Whisper's start, language, task and timestamp tokens.</param>
    /// <param name="settings">The generation settings.</param>
    /// <param name="eosTokenIds">The tokens that end a sequence.</param>
    /// <param name="maxLength">The most decoder tokens of a sequence, prompt included.</param>
    /// <param name="vocabularySize">Logits per row.</param>
    /// <param name="extra">A model's own logits processor (Whisper's timestamp rules), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops decoding between steps.</param>
    /// <returns>The generated tokens of each sequence (the prompt left out, EOS kept when one ended it).</returns>
    public static async Task<IReadOnlyList<int[]>> DecodeAsync(
        ISeq2SeqDecoding decoding, IReadOnlyList<int> prompt, GenerationSettings settings, IReadOnlyList<int> eosTokenIds, int maxLength,
        int vocabularySize, ILogitsProcessor? extra, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoding);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The decoder prompt needs at least the decoder start token.", nameof(prompt));
        }

        if (settings.NumBeams > 1)
        {
            var hypotheses = await BeamSearch.RunAsync(
                decoding, prompt, settings, eosTokenIds, maxLength, vocabularySize, cancellationToken, extra).ConfigureAwait(false);
            return hypotheses.Take(settings.NumReturnSequences).Select(h => h.Tokens).ToArray();
        }

        return await SearchAsync(decoding, prompt, settings, eosTokenIds, maxLength, vocabularySize, extra, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Generates one sequence as text pieces, as text generation streams: greedy search or sampling yields each token's
    /// text as it comes (through the <see cref="IncrementalDetokenizer"/>); beam search, whose best sequence is known only
    /// at the end, yields it as one piece.
    /// </summary>
    public static IAsyncEnumerable<GenerationPiece> StreamAsync(Seq2SeqRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(
            request.Model.Tokenizer, c => request.Model.EncodeAsync(request.Source, c), request.DecoderStartTokenId, request.Settings,
            request.EosTokenIds, request.MaxLength, request.Model.Info.VocabularySize, cancellationToken);
    }

    /// <summary>
    /// Generates one sequence from whatever <paramref name="encode"/> encodes (a text, an image) as text pieces:
    /// greedy search or sampling yields each token's text as it comes; beam search yields its best sequence as one piece.
    /// </summary>
    /// <param name="tokenizer">Decodes the generated tokens.</param>
    /// <param name="encode">Runs the encoder and returns a decoding of one row, ready for the decoder start token.</param>
    /// <param name="decoderStartTokenId">The first decoder token.</param>
    /// <param name="s">The generation settings (<c>num_return_sequences</c> 1).</param>
    /// <param name="eosTokenIds">The tokens that end the sequence.</param>
    /// <param name="maxLength">The most decoder tokens, start token included.</param>
    /// <param name="vocabularySize">Logits per row.</param>
    /// <param name="cancellationToken">Stops decoding between steps.</param>
    public static async IAsyncEnumerable<GenerationPiece> StreamAsync(
        ITextTokenizer tokenizer, Func<CancellationToken, ValueTask<ISeq2SeqDecoding>> encode, int decoderStartTokenId, GenerationSettings s,
        IReadOnlyList<int> eosTokenIds, int maxLength, int vocabularySize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        if (s.NumBeams > 1)
        {
            int[] tokens;
            using (var beams = await encode(cancellationToken).ConfigureAwait(false))
            {
                tokens = (await DecodeAsync(beams, [decoderStartTokenId], s, eosTokenIds, maxLength, vocabularySize, null, cancellationToken).ConfigureAwait(false))[0];
            }

            var ended = tokens.Length > 0 && eosTokenIds.Contains(tokens[^1]);
            yield return new GenerationPiece(
                tokenizer.Decode(tokens, skipSpecialTokens: true), ended ? FinishReason.EndOfSequence : FinishReason.Length, tokens.Length);
            yield break;
        }

        var eos = eosTokenIds.ToHashSet();
        var sampler = new TokenSampler(s, eosTokenIds);
        var sequence = new List<int> { decoderStartTokenId };
        var detokenizer = new IncrementalDetokenizer(tokenizer, sequence);
        var clock = Stopwatch.StartNew();
        using var decoding = await encode(cancellationToken).ConfigureAwait(false);
        if (maxLength <= 1)
        {
            yield return new GenerationPiece(string.Empty, FinishReason.Length, 0);
            yield break;
        }

        var feed = new int[1];
        feed[0] = decoderStartTokenId;
        while (true)
        {
            var logits = await decoding.StepAsync(feed, cancellationToken).ConfigureAwait(false);
            var token = sampler.Next(logits.Span, sequence, 1, maxLength);
            sequence.Add(token);
            var generated = sequence.Count - 1;
            if (eos.Contains(token))
            {
                yield return new GenerationPiece(detokenizer.Flush(), FinishReason.EndOfSequence, generated);
                yield break;
            }

            var text = detokenizer.Add(token);
            FinishReason? finish = sequence.Count >= maxLength ? FinishReason.Length
                : s.MaxTime is { } limit && clock.Elapsed >= limit ? FinishReason.Time
                : null;
            if (finish is not null)
            {
                yield return new GenerationPiece(text + detokenizer.Flush(), finish, generated);
                yield break;
            }

            if (text.Length > 0)
            {
                yield return new GenerationPiece(text, null, generated);
            }

            feed[0] = token;
        }
    }

    /// <summary>Greedy search or sampling of <c>num_return_sequences</c> rows at once; a finished row is fed its EOS until all end.</summary>
    private static async Task<IReadOnlyList<int[]>> SearchAsync(
        ISeq2SeqDecoding decoding, IReadOnlyList<int> prompt, GenerationSettings s, IReadOnlyList<int> eosTokenIds, int maxLength, int vocabulary,
        ILogitsProcessor? extra, CancellationToken cancellationToken)
    {
        var rows = s.NumReturnSequences;
        var eos = eosTokenIds.ToHashSet();
        var clock = Stopwatch.StartNew();
        if (rows > 1)
        {
            decoding.Reorder(new int[rows]);
        }

        var samplers = new TokenSampler[rows];
        var sequences = new List<int>[rows];
        var done = new bool[rows];
        var feed = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            samplers[r] = new TokenSampler(s, eosTokenIds, r, extra);
            sequences[r] = [.. prompt];
            feed[r] = prompt[^1];
        }

        var length = prompt.Count;
        while (length < maxLength && !done.All(d => d))
        {
            var logits = await decoding.StepAsync(feed, cancellationToken).ConfigureAwait(false);
            for (var r = 0; r < rows; r++)
            {
                if (done[r])
                {
                    continue;
                }

                var token = samplers[r].Next(logits.Span.Slice(r * vocabulary, vocabulary), sequences[r], prompt.Count, maxLength);
                sequences[r].Add(token);
                feed[r] = token;
                done[r] = eos.Contains(token);
            }

            length++;
            if (s.MaxTime is { } limit && clock.Elapsed >= limit)
            {
                break;
            }
        }

        return sequences.Select(q => q.Skip(prompt.Count).ToArray()).ToArray();
    }
}
