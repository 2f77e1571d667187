using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>What a speech recognition request asks of Whisper beyond the generation parameters.</summary>
/// <param name="Language">A language name, code or token (<c>french</c>, <c>fr</c>, <c>&lt;|fr|&gt;</c>); <see langword="null"/> detects it (multilingual models).</param>
/// <param name="Task"><c>transcribe</c> or <c>translate</c>; <see langword="null"/> transcribes (multilingual models).</param>
/// <param name="ReturnTimestamps">Whether timestamp tokens are generated (no <c>&lt;|notimestamps|&gt;</c> in the prompt, the timestamp rules applied).</param>
/// <param name="Prompt">
/// A previous text to condition on, as transformers' <c>prompt_ids</c> from <c>get_prompt_ids</c>:
/// <c>&lt;|startofprev|&gt;</c> and the tokens of the text (stripped, with one leading space) before
/// <c>&lt;|startoftranscript|&gt;</c>; <see langword="null"/> or empty for none.
/// </param>
public sealed record WhisperOptions(string? Language = null, string? Task = null, bool ReturnTimestamps = false, string? Prompt = null);

/// <summary>A validated Whisper request, made by <see cref="WhisperGenerator.Prepare"/> before any audio is encoded.</summary>
/// <param name="Model">The model.</param>
/// <param name="Whisper">The model's Whisper facts.</param>
/// <param name="Settings">The generation settings (the model's generation configuration, then the request's parameters).</param>
/// <param name="LanguageId">The language token; <see langword="null"/> when it is detected or the model is English-only.</param>
/// <param name="TaskId">The task token; <see langword="null"/> for an English-only model.</param>
/// <param name="ReturnTimestamps">Whether timestamps are generated.</param>
/// <param name="MaxLength">The most decoder tokens, prompt included.</param>
/// <param name="PreviousIds">The previous-text prompt fed before the start token (<c>&lt;|startofprev|&gt;</c> first); empty for none.</param>
/// <param name="NoSpeechId">The id of <c>&lt;|nospeech|&gt;</c> (or <c>&lt;|nocaptions|&gt;</c>), whose probability after the start token is reported; <see langword="null"/> when the vocabulary has none.</param>
public sealed record WhisperRequest(
    IMediaSeq2SeqInstance Model, WhisperGenerationConfig Whisper, GenerationSettings Settings, int? LanguageId, int? TaskId, bool ReturnTimestamps,
    int MaxLength, IReadOnlyList<int> PreviousIds, int? NoSpeechId)
{
    /// <summary>Tokens of the decoder prompt: start, language and task (multilingual), <c>&lt;|notimestamps|&gt;</c> (without timestamps).</summary>
    public int PromptLength => 1 + (Whisper.IsMultilingual ? 2 : 0) + (ReturnTimestamps ? 0 : 1);
}

/// <summary>The transcript of one 30-second window.</summary>
/// <param name="Text">The text: the generated tokens decoded with special tokens and timestamps left out (Whisper keeps its leading space).</param>
/// <param name="Language">The language code used (given or detected), or <see langword="null"/> for an English-only model.</param>
/// <param name="Prompt">The decoder prompt fed: <c>&lt;|startoftranscript|&gt;</c>, language, task, <c>&lt;|notimestamps|&gt;</c> (a previous text fed before them left out).</param>
/// <param name="Tokens">The generated tokens, timestamp tokens included, the final EOS left out: what a pipeline builds chunks from.</param>
/// <param name="TimestampBegin">The id of <c>&lt;|0.00|&gt;</c>: token <c>t</c> ≥ it is the time <c>(t − TimestampBegin) × TimePrecision</c> seconds.</param>
/// <param name="TimePrecision">Seconds per timestamp step: 30 s over the encoder's positions (<c>max_source_positions</c>), 0.02 for Whisper.</param>
/// <param name="NoSpeechProbability">
/// The probability of <c>&lt;|nospeech|&gt;</c> right after <c>&lt;|startoftranscript|&gt;</c> (OpenAI's
/// <c>no_speech_prob</c>); <see langword="null"/> when the vocabulary has no such token or the start token was the
/// last prompt token (an English-only model with timestamps and no previous text).
/// </param>
public sealed record WhisperTranscription(
    string Text, string? Language, IReadOnlyList<int> Prompt, IReadOnlyList<int> Tokens, int TimestampBegin, double TimePrecision,
    double? NoSpeechProbability = null);

/// <summary>
/// Whisper's short-form generation as transformers 4.57 <c>WhisperForConditionalGeneration.generate</c> runs it for one
/// window of at most 30 s: the decoder prompt <c>&lt;|startoftranscript|&gt;</c>, the language token (given by name,
/// code or token, or detected from the first step's logits over the language tokens), the task token
/// (<c>transcribe</c> by default), and <c>&lt;|notimestamps|&gt;</c> unless timestamps are asked (English-only models
/// take neither language nor task); <c>suppress_tokens</c> and <c>begin_suppress_tokens</c> of the generation
/// configuration; the timestamp rules (<see cref="WhisperTimestampProcessor"/>) when timestamps are asked; at most
/// <c>max_target_positions</c> decoder tokens; greedy search by default, beam search with <c>num_beams</c>.
/// </summary>
public static class WhisperGenerator
{
    /// <summary>The window Whisper's feature extractor makes (<c>chunk_length</c>), in seconds.</summary>
    public const double WindowSeconds = 30;

    /// <summary>Reads the model's Whisper facts, the options and <paramref name="parameters"/> (generation keys only).</summary>
    /// <exception cref="EngineException">
    /// A parameter, the language or the task is invalid, a language or task is given to an English-only model, or
    /// <c>max_new_tokens</c> goes past <c>max_target_positions</c> (kind bad input).
    /// </exception>
    public static WhisperRequest Prepare(IMediaSeq2SeqInstance model, WhisperOptions options, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.SourceKind != Seq2SeqSourceKind.AudioFeatures)
        {
            throw EngineException.NotSupported($"The model {model.Model.Id} does not read audio features; it is not a Whisper model.");
        }

        var info = model.Info;
        var whisper = WhisperGenerationConfig.Read(info);
        var baseline = GenerationSettings.ApplyModelConfig(
            new GenerationSettings(), info.GenerationConfig, info.VocabularySize, "forced_decoder_ids", "decoder_start_token_id");
        var settings = GenerationSettings.Parse(parameters, baseline, info.VocabularySize, beamSearch: true);
        if (settings.StopStrings.Count > 0)
        {
            throw EngineException.NotSupported("Stop strings are not supported for speech recognition; use max_new_tokens.");
        }

        int? language = null, task = null;
        if (!whisper.IsMultilingual)
        {
            if (options.Language is not null || options.Task is not null)
            {
                throw EngineException.BadInput(
                    $"The model {model.Model.Id} is English-only: it takes no language nor task. Leave them out, or use a multilingual Whisper model.");
            }
        }
        else
        {
            if (options.Language is { } name)
            {
                language = WhisperLanguages.TokenId(name, whisper.LangToId);
            }

            var taskName = options.Task ?? "transcribe";
            if (taskName is not ("transcribe" or "translate"))
            {
                throw EngineException.BadInput($"The task '{taskName}' is not a Whisper task; give transcribe or translate.");
            }

            task = whisper.TaskToId.TryGetValue(taskName, out var id)
                ? id
                : throw EngineException.BadInput($"The model {model.Model.Id} has no {taskName} task (its generation_config.json task_to_id lacks it).");
        }

        var previous = PreviousIds(model, whisper, options.Prompt);
        var promptLength = previous.Count + 1 + (whisper.IsMultilingual ? 2 : 0) + (options.ReturnTimestamps ? 0 : 1);
        int maxLength;
        if (settings.MaxNewTokens is { } n)
        {
            if ((long)n + promptLength > info.MaxTargetLength)
            {
                throw EngineException.BadInput(
                    $"max_new_tokens is {n}, and with the {promptLength} prompt tokens that is more than the {info.MaxTargetLength} decoder positions of this model (max_target_positions); give at most {info.MaxTargetLength - promptLength}.");
            }

            maxLength = promptLength + n;
        }
        else
        {
            maxLength = Math.Min(settings.MaxLength + previous.Count, info.MaxTargetLength);
        }

        var noSpeech = SingleToken(model, "<|nospeech|>") ?? SingleToken(model, "<|nocaptions|>");
        return new WhisperRequest(model, whisper, settings, language, task, options.ReturnTimestamps, maxLength, previous, noSpeech);
    }

    /// <summary>
    /// <c>&lt;|startofprev|&gt;</c> and the prompt's tokens as <c>get_prompt_ids</c> makes them (" " + the stripped text,
    /// no special tokens; a special token written in the text is refused as there), cut to the last
    /// <c>max_target_positions / 2 − 1</c> text tokens as <c>generate</c> cuts them.
    /// </summary>
    private static List<int> PreviousIds(IMediaSeq2SeqInstance model, WhisperGenerationConfig whisper, string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            return [];
        }

        var startOfPrevious = SingleToken(model, "<|startofprev|>")
            ?? throw EngineException.NotSupported($"The model {model.Model.Id} has no <|startofprev|> token, so it cannot take a prompt; leave the prompt out.");
        var ids = model.Tokenizer.Encode(" " + prompt.Trim(), addSpecialTokens: false);
        foreach (var id in ids)
        {
            if (id >= whisper.EosTokenId || model.Tokenizer.IsSpecial(id))
            {
                throw EngineException.BadInput(
                    $"The prompt holds the special token {model.Tokenizer.TokenToString(id)}, which a Whisper prompt may not contain; send plain text.");
            }
        }

        var keep = Math.Max(0, (model.Info.MaxTargetLength / 2) - 1);
        return [startOfPrevious, .. ids.Length > keep ? ids[^keep..] : ids];
    }

    private static int? SingleToken(IMediaSeq2SeqInstance model, string token)
    {
        var ids = model.Tokenizer.Encode(token, addSpecialTokens: false);
        return ids.Length == 1 && model.Tokenizer.IsSpecial(ids[0]) ? ids[0] : null;
    }

    /// <summary>
    /// Encodes one window of log-mel features (<c>input_features</c> of one row, [n_mels, 3000]) and generates its transcript.
    /// </summary>
    /// <exception cref="EngineException">The features are not shaped as the model reads them (kind bad input).</exception>
    public static async Task<WhisperTranscription> GenerateAsync(
        WhisperRequest request, ReadOnlyMemory<float> features, IReadOnlyList<int> shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(shape);
        var model = request.Model;
        var whisper = request.Whisper;
        var vocabulary = model.Info.VocabularySize;
        using var decoding = await model.EncodeAsync(features, shape, cancellationToken).ConfigureAwait(false);
        var prompt = new List<int>(request.PreviousIds) { whisper.StartOfTranscriptId };
        var start = prompt.Count - 1;
        var fed = 0;
        double? noSpeech = null;
        var language = request.LanguageId;
        if (whisper.IsMultilingual)
        {
            if (language is null)
            {
                // Language detection: the start token alone, the likeliest language token of the next position. With a
                // previous text the start token is not first, so detection runs on a decoding of its own.
                using var detection = start == 0 ? null : await model.EncodeAsync(features, shape, cancellationToken).ConfigureAwait(false);
                var logits = (await (detection ?? decoding).StepAsync(new[] { whisper.StartOfTranscriptId }, cancellationToken).ConfigureAwait(false)).Span;
                if (detection is null)
                {
                    fed = 1;
                    noSpeech = Probability(logits, request.NoSpeechId);
                }

                var best = float.NegativeInfinity;
                foreach (var id in whisper.LangToId.Values.Order())
                {
                    if (language is null || logits[id] > best)
                    {
                        best = logits[id];
                        language = id;
                    }
                }
            }

            prompt.Add(language!.Value);
            prompt.Add(request.TaskId!.Value);
        }

        if (!request.ReturnTimestamps)
        {
            prompt.Add(whisper.NoTimestampsId);
        }

        for (; fed < prompt.Count - 1; fed++)
        {
            var logits = await decoding.StepAsync(new[] { prompt[fed] }, cancellationToken).ConfigureAwait(false);
            if (fed == start)
            {
                noSpeech = Probability(logits.Span, request.NoSpeechId);
            }
        }

        var eos = new[] { whisper.EosTokenId };
        var processor = request.ReturnTimestamps ? new WhisperTimestampProcessor(whisper, prompt.Count) : null;
        var sequences = await Seq2SeqGenerator.DecodeAsync(
            decoding, prompt, request.Settings, request.Settings.EosTokenIds ?? eos, request.MaxLength, vocabulary, processor, cancellationToken).ConfigureAwait(false);
        var tokens = sequences[0].ToList();
        if (tokens.Count > 0 && (tokens[^1] == whisper.EosTokenId || (request.Settings.EosTokenIds?.Contains(tokens[^1]) ?? false)))
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        var text = model.Tokenizer.Decode(tokens.Where(t => t < whisper.TimestampBegin).ToArray(), skipSpecialTokens: true);
        var code = language is { } l ? WhisperLanguages.CodeOf(whisper.LangToId.First(p => p.Value == l).Key) : null;
        return new WhisperTranscription(
            text, code, prompt.Skip(start).ToArray(), tokens, whisper.TimestampBegin, WindowSeconds / model.Info.MaxSourceLength, noSpeech);
    }

    /// <summary>The softmax probability of one token over a row of logits; <see langword="null"/> without a token.</summary>
    private static double? Probability(ReadOnlySpan<float> logits, int? token)
    {
        if (token is not { } t || t >= logits.Length)
        {
            return null;
        }

        var max = float.NegativeInfinity;
        foreach (var x in logits)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        foreach (var x in logits)
        {
            sum += Math.Exp(x - max);
        }

        return Math.Exp(logits[t] - max) / sum;
    }
}
