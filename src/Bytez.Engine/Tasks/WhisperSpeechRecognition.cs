using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Media;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>automatic-speech-recognition</c> for Whisper (an <see cref="IMediaSeq2SeqInstance"/> reading
/// <c>input_features</c>) with the semantics of transformers 4.57's <c>AutomaticSpeechRecognitionPipeline</c> for the
/// type <c>seq2seq_whisper</c>: the sound decoded at the feature extractor's rate; up to 30 s one window of
/// <see cref="WhisperFeatureExtractor"/> features; with <c>chunk_length_s</c> the pipeline's <c>chunk_iter</c> windows
/// (strides of <c>chunk_length_s / 6</c> by default), each generated alone by <see cref="WhisperGenerator"/> (language
/// and task tokens, timestamps when asked); then <see cref="WhisperTranscriptMerger"/> (<c>_decode_asr</c>) joins them.
/// Sound longer than 30 s without <c>chunk_length_s</c> is refused: the pipeline runs Whisper's sequential long-form
/// generation there, which this server does not do. <c>prompt</c> is a previous text each window is conditioned on
/// (transformers' <c>prompt_ids</c> from <c>get_prompt_ids</c>, which the pipeline passes to every chunk's generate).
/// </summary>
internal sealed class WhisperSpeechRecognition
{
    /// <summary>The generate keyword arguments a Whisper request may give, flat in <c>params</c> or in <c>generate_kwargs</c>.</summary>
    internal static IReadOnlyList<string> GenerationKeys { get; } =
    [
        "max_new_tokens", "max_length", "min_new_tokens", "min_length", "num_beams", "length_penalty", "early_stopping",
        "no_repeat_ngram_size", "repetition_penalty", "do_sample", "temperature", "top_k", "top_p", "typical_p", "min_p",
        "seed", "bad_words_ids", "eos_token_id", "suppress_tokens", "begin_suppress_tokens", "pad_token_id", "bos_token_id",
        "use_cache", "max_time",
    ];

    /// <summary>The parameters of the Whisper path besides <see cref="GenerationKeys"/>.</summary>
    internal static IReadOnlyList<string> OwnKeys { get; } =
        ["return_timestamps", "return_language", "chunk_length_s", "stride_length_s", "language", "task", "prompt", "generate_kwargs"];

    private static readonly HashSet<string> Supported = [.. OwnKeys, .. GenerationKeys];

    private readonly MediaReader _reader;
    private readonly ConditionalWeakTable<IMediaSeq2SeqInstance, WhisperFeatureExtractor> _extractors = [];

    /// <summary>Creates the path; <paramref name="reader"/> reads the request's sound and carries the media limits.</summary>
    public WhisperSpeechRecognition(MediaReader reader) => _reader = reader;

    /// <summary>Transcribes the request's sound: the task's output, the sound's duration and the segments.</summary>
    public async ValueTask<SpeechTranscription> RunAsync(IMediaSeq2SeqInstance model, RunRequest request, CancellationToken cancellationToken)
    {
        var task = model.Model.Task;
        var options = ReadOptions(request.Params, task);
        var whisper = WhisperGenerator.Prepare(
            model, new WhisperOptions(options.Language, options.Task, options.ReturnTimestamps, options.Prompt), options.Generation);
        var extractor = _extractors.GetValue(model, Extractor);
        var media = await _reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var samples = await AudioFeatures.DecodeAsync(media, extractor.Config.SamplingRate, _reader.Limits, cancellationToken).ConfigureAwait(false);
        var rate = extractor.Config.SamplingRate;
        var chunked = options.Chunking.ChunkLengthS is > 0;
        if (!chunked && samples.Length > extractor.Config.NSamples)
        {
            throw EngineException.BadInput(
                $"The sound lasts {samples.Length / (double)rate:0.##} s, more than the {extractor.Config.ChunkLength} s window Whisper reads at once. " +
                "Set chunk_length_s (30 is usual) to transcribe it in windows; sequential long-form generation, which the Python pipeline runs here, is not done by this server.");
        }

        if (chunked && options.Chunking.ChunkLengthS > extractor.Config.ChunkLength)
        {
            throw EngineException.BadInput(
                $"chunk_length_s is {options.Chunking.ChunkLengthS}, longer than the {extractor.Config.ChunkLength} s window Whisper reads (the rest of each chunk would be cut off); give at most {extractor.Config.ChunkLength}.");
        }

        var chunks = AutomaticSpeechRecognitionPipeline.Chunks(samples.Length, options.Chunking, rate, ratio: 1);
        var windows = new List<WhisperWindowTokens>(chunks.Count);
        var noSpeech = new List<double?>(chunks.Count);
        WhisperTranscription? last = null;
        foreach (var chunk in chunks)
        {
            var features = extractor.Extract(samples.AsSpan(chunk.Start, chunk.Length));
            last = await WhisperGenerator.GenerateAsync(whisper, features.Values, [features.MelBins, features.Frames], cancellationToken).ConfigureAwait(false);
            noSpeech.Add(last.NoSpeechProbability);
            (double, double, double)? stride = chunked ? ((double)chunk.Length / rate, (double)chunk.Left / rate, (double)chunk.Right / rate) : null;
            windows.Add(new WhisperWindowTokens([.. last.Prompt, .. last.Tokens], stride));
        }

        var config = whisper.Whisper;
        var languages = config.LangToId.ToDictionary(p => p.Value, p => LanguageName(WhisperLanguages.CodeOf(p.Key)));
        var vocabulary = new WhisperVocabulary(
            config.TimestampBegin,
            config.EosTokenId,
            id => languages.GetValueOrDefault(id),
            tokens => model.Tokenizer.Decode(tokens.ToArray(), skipSpecialTokens: false),
            last!.TimePrecision);
        var (text, merged) = WhisperTranscriptMerger.Merge(windows, vocabulary, options.ReturnTimestamps);
        TaskOutput output = options.ReturnTimestamps || options.ReturnLanguage
            ? new ChunksOutput(text, merged, options.ReturnTimestamps, options.ReturnLanguage)
            : new TextOutput(text);
        var segments = merged.Select(chunk =>
        {
            // The window a segment was decoded in: the last one starting at or before the segment's start.
            var window = 0;
            for (var w = 1; w < chunks.Count && chunk.Start is { } at; w++)
            {
                if (chunks[w].Start + chunks[w].Left <= (at * rate) + 1)
                {
                    window = w;
                }
            }

            return new SpeechSegment(
                chunk.Text, chunk.Start, chunk.End, chunk.Language, chunk.Tokens ?? [], chunks[window].Start / extractor.Config.HopLength, noSpeech[window]);
        }).ToList();
        return new SpeechTranscription(output, samples.Length / (double)rate, segments);
    }

    private static string? LanguageName(string code) => WhisperLanguages.All.FirstOrDefault(l => l.Code == code).Name;

    private static WhisperFeatureExtractor Extractor(IMediaSeq2SeqInstance model)
    {
        var path = Path.Combine(model.Model.Path, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            throw EngineException.NotSupported($"The model {model.Model.Id} has no preprocessor_config.json (Whisper's feature extractor settings); a Whisper repository has one.");
        }

        try
        {
            var extractor = WhisperFeatureExtractor.FromJson(File.ReadAllText(path));
            var bins = model.SourceShape.Count > 0 ? model.SourceShape[0] : 0;
            return bins != 0 && bins != extractor.Config.FeatureSize
                ? throw EngineException.NotSupported(
                    $"The model {model.Model.Id}: preprocessor_config.json gives feature_size {extractor.Config.FeatureSize}, but the encoder reads {bins} mel bins.")
                : extractor;
        }
        catch (InvalidDataException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"The model {model.Model.Id}: {e.Message}", e);
        }
    }

    private static Options ReadOptions(JsonElement? parameters, string task)
    {
        var returnTimestamps = false;
        var returnLanguage = false;
        string? language = null, whisperTask = null, prompt = null;
        double? chunk = null, strideLeft = null, strideRight = null;
        var generation = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in Arguments.Parameters(parameters, Supported, task + " (Whisper)"))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "return_timestamps":
                    returnTimestamps = value.ValueKind switch
                    {
                        JsonValueKind.Null or JsonValueKind.False => false,
                        JsonValueKind.True => true,
                        JsonValueKind.String when value.GetString() == "word" => throw EngineException.BadInput(
                            "return_timestamps \"word\" is not supported for Whisper here: word timestamps come from dynamic time warping over the decoder's cross-attention weights (alignment_heads), which the ONNX exports this server runs do not output. Use true for segment timestamps."),
                        JsonValueKind.String when value.GetString() == "char" => throw EngineException.BadInput(
                            "Whisper cannot return \"char\" timestamps, only segment timestamps: give return_timestamps true (or false)."),
                        _ => throw Arguments.Bad("return_timestamps", "true (segment timestamps) or false for a Whisper model", value),
                    };
                    break;
                case "return_language":
                    returnLanguage = Arguments.Bool(value, "return_language") ?? false;
                    break;
                case "chunk_length_s" or "stride_length_s":
                    (chunk, strideLeft, strideRight) = AutomaticSpeechRecognitionPipeline.ReadChunking(property, chunk, strideLeft, strideRight);
                    break;
                case "language":
                    language = Arguments.String(value, "language");
                    break;
                case "task":
                    whisperTask = Arguments.String(value, "task");
                    break;
                case "prompt":
                    prompt = Arguments.String(value, "prompt");
                    break;
                case "generate_kwargs":
                    ReadGenerateKwargs(value, generation, ref language, ref whisperTask);
                    break;
                default:
                    Add(generation, property.Name, value);
                    break;
            }
        }

        return new Options(
            returnTimestamps, returnLanguage, language, whisperTask, prompt, Json(generation),
            new AutomaticSpeechRecognitionPipeline.Options(null, chunk, strideLeft, strideRight));
    }

    private static void ReadGenerateKwargs(JsonElement value, Dictionary<string, JsonElement> generation, ref string? language, ref string? task)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Arguments.Bad("generate_kwargs", "an object of generate arguments such as {\"language\": \"french\", \"max_new_tokens\": 100}", value);
        }

        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "language" when language is null:
                    language = Arguments.String(property.Value, "generate_kwargs.language");
                    break;
                case "task" when task is null:
                    task = Arguments.String(property.Value, "generate_kwargs.task");
                    break;
                case "language" or "task":
                    throw EngineException.BadInput($"`{property.Name}` is given both in params and in generate_kwargs; give it once.");
                default:
                    if (!GenerationKeys.Contains(property.Name))
                    {
                        throw Arguments.UnknownParameter("generate_kwargs." + property.Name, "Whisper's generate_kwargs", ["language", "task", .. GenerationKeys]);
                    }

                    Add(generation, property.Name, property.Value);
                    break;
            }
        }
    }

    private static void Add(Dictionary<string, JsonElement> generation, string name, JsonElement value)
    {
        if (!generation.TryAdd(name, value))
        {
            throw EngineException.BadInput($"`{name}` is given both in params and in generate_kwargs; give it once.");
        }
    }

    private static JsonElement? Json(Dictionary<string, JsonElement> generation)
    {
        if (generation.Count == 0)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in generation)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }

    /// <summary>The parameters of one Whisper request.</summary>
    private sealed record Options(
        bool ReturnTimestamps, bool ReturnLanguage, string? Language, string? Task, string? Prompt, JsonElement? Generation,
        AutomaticSpeechRecognitionPipeline.Options Chunking);

    /// <summary><c>{"text", "chunks": [{"language"?, "timestamp"?: [start, end], "text"}]}</c>, as <c>_decode_asr</c> answers with timestamps or languages.</summary>
    private sealed class ChunksOutput(string text, IReadOnlyList<WhisperTranscriptChunk> chunks, bool timestamps, bool languages) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteStartArray("chunks");
            foreach (var chunk in chunks)
            {
                writer.WriteStartObject();
                if (languages)
                {
                    writer.WriteString("language", chunk.Language);
                }

                if (timestamps)
                {
                    writer.WriteStartArray("timestamp");
                    WriteTime(writer, chunk.Start);
                    WriteTime(writer, chunk.End);
                    writer.WriteEndArray();
                }

                writer.WriteString("text", chunk.Text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        private static void WriteTime(Utf8JsonWriter writer, double? time)
        {
            if (time is { } t)
            {
                writer.WriteNumberValue(t);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
