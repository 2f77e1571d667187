using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tensors;
using Bytez.Engine.Media;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>automatic-speech-recognition</c> for CTC models (wav2vec2, HuBERT, data2vec-audio, WavLM... <c>...ForCTC</c>)
/// on an <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's
/// <c>AutomaticSpeechRecognitionPipeline</c> for the type <c>ctc</c>: the sound decoded at the feature extractor's
/// rate, Wav2Vec2 features, <c>logits</c> [frames, vocabulary], argmax per frame, then <see cref="CtcDecoder"/>. With
/// <c>chunk_length_s</c> the sound is cut into overlapping chunks (aligned to <c>inputs_to_logits_ratio</c>, the
/// product of <c>conv_stride</c>), each run alone, the frames of each chunk's strides dropped and the rest joined
/// before one decode. The answer is the transcript as a string (Bytez unwraps the pipeline's <c>{"text"}</c>); with
/// <c>return_timestamps</c> <c>"char"</c> or <c>"word"</c> it is the pipeline's <c>{"text", "chunks": [{"text",
/// "timestamp": [start, end]}]}</c> in seconds. Whisper (an <see cref="IMediaSeq2SeqInstance"/>) takes the pipeline's
/// <c>seq2seq_whisper</c> path, <see cref="WhisperSpeechRecognition"/>.
/// </summary>
public sealed class AutomaticSpeechRecognitionPipeline : ITaskPipeline
{
    private readonly MediaReader _reader;
    private readonly ConditionalWeakTable<ITensorInstance, CtcDecoder> _decoders = [];
    private readonly WhisperSpeechRecognition _whisper;

    /// <summary>The parameters a CTC model reads.</summary>
    private static readonly string[] CtcParameters = ["return_timestamps", "chunk_length_s", "stride_length_s"];

    /// <summary>Creates the pipeline; <paramref name="reader"/> reads the request's sound and carries the media limits.</summary>
    public AutomaticSpeechRecognitionPipeline(MediaReader reader)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _whisper = new WhisperSpeechRecognition(reader);
    }

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.AutomaticSpeechRecognition],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("return_timestamps", "CTC: \"char\", \"word\", false or null; Whisper: true, false or null", "none",
                "CTC: answer {text, chunks} with each character's or word's [start, end] in seconds; Whisper: with each segment's."),
            new("chunk_length_s", "number >= 0 (Whisper: at most 30)", "0 (the whole sound at once)", "Cut long sounds into chunks of this many seconds, run one by one."),
            new("stride_length_s", "number >= 0, or [left, right]", "chunk_length_s / 6", "The overlap on each side of a chunk (CTC: its frames dropped; Whisper: its tokens merged with the neighbour's)."),
            new("return_language", "boolean", "false", "Whisper: answer {text, chunks} with each chunk's language (the detected or given one)."),
            new("language", "a language name, code or token (english, en, <|en|>)", "detected", "Whisper (multilingual): the language spoken."),
            new("task", "\"transcribe\" or \"translate\"", "transcribe", "Whisper (multilingual): transcribe, or translate into English."),
            new("prompt", "string", "none", "Whisper: a previous text each window is conditioned on (<|startofprev|> and its tokens, as transformers' prompt_ids); not in the transcript."),
            new("generate_kwargs", "object of language, task and the generation keys below", "none", "Whisper: the pipeline's generate arguments; the same keys may be given flat in params."),
            .. WhisperSpeechRecognition.GenerationKeys.Select(k => new TaskParameter(k, "as for text2text-generation", "the model's generation_config.json", "Whisper: a generate argument.")),
        ],
        Output = "the transcript as a string; with return_timestamps (or Whisper's return_language) {\"text\", \"chunks\": [{\"text\", \"timestamp\": [start, end]}]}",
        RepositoryFiles = ["config.json", "preprocessor_config.json", "vocab.json", "tokenizer_config.json", "special_tokens_map.json"],
        SmokeRequest = static _ => new RunRequest { Base64 = Convert.ToBase64String(WavEncoder.EncodeFloat32(AudioClassificationPipeline.SmokeTone(), 16000)) },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
        => (await TranscribeAsync(instance, request, cancellationToken).ConfigureAwait(false)).Output;

    /// <summary>
    /// Transcribes as <see cref="RunAsync"/> does (the same output) and reports the sound's duration and Whisper's
    /// segments (tokens, windows, no-speech probabilities), for routes that answer with them.
    /// </summary>
    public async ValueTask<SpeechTranscription> TranscribeAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is IMediaSeq2SeqInstance { SourceKind: Seq2SeqSourceKind.AudioFeatures } whisper)
        {
            return await _whisper.RunAsync(whisper, request, cancellationToken).ConfigureAwait(false);
        }

        if (instance is not ITensorInstance model || model.Config.ModelType == "whisper")
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} is neither a CTC speech model (a ...ForCTC with vocab.json) nor a Whisper encoder-decoder; this server transcribes with those.");
        }

        var task = instance.Model.Task;
        var options = ReadOptions(request.Params, task);
        var features = AudioFeatures.For(model);
        if (!features.IsRawWaveform)
        {
            throw EngineException.NotSupported($"The model {model.Model.Id} does not take raw samples (Wav2Vec2FeatureExtractor); a CTC model does.");
        }

        var decoder = _decoders.GetValue(model, m => CtcDecoder.Read(m.Model.Path));
        var ratio = InputsToLogitsRatio(model.Config);
        var media = await _reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var samples = await features.DecodeAsync(media, _reader.Limits, cancellationToken).ConfigureAwait(false);

        var chunks = Chunks(samples.Length, options, features.SamplingRate, ratio);
        var rows = chunks.Select(c => features.Row(model, samples.AsSpan(c.Start, c.Length))).ToList();
        var results = await model.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var ids = new List<int>();
        for (var i = 0; i < chunks.Count; i++)
        {
            ids.AddRange(KeptFrames(Argmax(results[i]["logits"]), chunks[i], ratio));
        }

        var (text, characters) = decoder.Decode(ids.ToArray());
        var duration = samples.Length / (double)features.SamplingRate;
        if (options.Timestamps is not { } level)
        {
            return new SpeechTranscription(new TextOutput(text), duration, null);
        }

        var pieces = level == "word" ? CtcDecoder.Words(characters) : characters;
        double Seconds(int frame) => (double)frame * ratio / features.SamplingRate;
        return new SpeechTranscription(
            new TimestampedOutput(text, pieces.Select(p => (p.Text, Seconds(p.StartFrame), Seconds(p.EndFrame))).ToList()), duration, null);
    }

    /// <summary>
    /// <c>inputs_to_logits_ratio</c>: the product of <c>conv_stride</c> of <c>config.json</c> (wav2vec2's default
    /// [5, 2, 2, 2, 2, 2, 2] gives 320).
    /// </summary>
    /// <exception cref="EngineException"><c>conv_stride</c> is not a list of positive integers with a product up to 100000 (BadInput).</exception>
    public static int InputsToLogitsRatio(TensorModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Raw.TryGetProperty("conv_stride", out var strides) || strides.ValueKind == JsonValueKind.Null)
        {
            return 320;
        }

        long ratio = 1;
        if (strides.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"config.json of the model: conv_stride must be a list of integers; got {Arguments.Describe(strides)}.");
        }

        foreach (var s in strides.EnumerateArray())
        {
            if (!s.TryGetInt32(out var stride) || stride < 1 || (ratio *= stride) > 100_000)
            {
                throw EngineException.BadInput("config.json of the model: conv_stride must be positive integers whose product is at most 100000.");
            }
        }

        return (int)ratio;
    }

    /// <summary>
    /// The chunks the pipeline's <c>chunk_iter</c> cuts: without <c>chunk_length_s</c> one of the whole sound; else
    /// chunks of <c>round(chunk_length_s · rate / ratio) · ratio</c> samples stepping by the chunk less both strides
    /// (each rounded to the ratio the same way), the first without a left stride, the last without a right one, a
    /// chunk no longer than its left stride left out.
    /// </summary>
    internal static IReadOnlyList<Chunk> Chunks(int total, Options options, int rate, int ratio)
    {
        if (options.ChunkLengthS is not { } chunkSeconds || chunkSeconds <= 0)
        {
            return [new Chunk(0, total, 0, 0)];
        }

        static int Align(double seconds, int rate, int ratio) => (int)(Math.Round(seconds * rate / ratio, MidpointRounding.ToEven) * ratio);
        var chunkLength = Align(chunkSeconds, rate, ratio);
        var left = Align(options.StrideLeftS ?? chunkSeconds / 6, rate, ratio);
        var right = Align(options.StrideRightS ?? chunkSeconds / 6, rate, ratio);
        if (chunkLength < left + right || chunkLength - left - right <= 0)
        {
            throw EngineException.BadInput(
                $"chunk_length_s ({chunkSeconds}) must be longer than both strides together ({(left + right) / (double)rate} s, stride_length_s on each side).");
        }

        var step = chunkLength - left - right;
        var chunks = new List<Chunk>();
        for (var start = 0; start < total; start += step)
        {
            var end = start + chunkLength;
            var isLast = end >= total;
            var length = Math.Min(chunkLength, total - start);
            var chunkLeft = start == 0 ? 0 : left;
            if (length > chunkLeft)
            {
                chunks.Add(new Chunk(start, length, chunkLeft, isLast ? 0 : right));
            }

            if (isLast)
            {
                break;
            }
        }

        return chunks;
    }

    /// <summary>
    /// The frames of a chunk kept after its strides are dropped, as the pipeline's <c>rescale_stride</c> maps them to
    /// frames: n = round(samples / ratio), left = round(left / samples · n), right likewise, frames [left, n − right).
    /// </summary>
    internal static IEnumerable<int> KeptFrames(int[] frames, Chunk chunk, int ratio)
    {
        if (chunk.Left == 0 && chunk.Right == 0)
        {
            return frames;
        }

        var n = (int)Math.Round(chunk.Length / (double)ratio, MidpointRounding.ToEven);
        var left = (int)Math.Round(chunk.Left / (double)chunk.Length * n, MidpointRounding.ToEven);
        var right = (int)Math.Round(chunk.Right / (double)chunk.Length * n, MidpointRounding.ToEven);
        var end = Math.Min(frames.Length, n - right);
        return left >= end ? [] : frames[left..end];
    }

    private static int[] Argmax(TensorValue logits)
    {
        if (logits.Shape.Count != 2)
        {
            throw EngineException.NotSupported($"A CTC model's logits are [frames, vocabulary]; this model gives {logits}.");
        }

        var (frames, vocabulary) = (logits.Shape[0], logits.Shape[1]);
        var values = logits.AsFloats();
        var ids = new int[frames];
        for (var f = 0; f < frames; f++)
        {
            var row = values.AsSpan(f * vocabulary, vocabulary);
            var best = 0;
            for (var v = 1; v < row.Length; v++)
            {
                if (row[v] > row[best])
                {
                    best = v; // the first of equal maxima, as torch's argmax on CPU
                }
            }

            ids[f] = best;
        }

        return ids;
    }

    private static Options ReadOptions(JsonElement? parameters, string task)
    {
        string? timestamps = null;
        double? chunk = null, strideLeft = null, strideRight = null;
        foreach (var property in Arguments.Parameters(parameters, CtcParameters, task + " (CTC)"))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "return_timestamps":
                    timestamps = value.ValueKind switch
                    {
                        JsonValueKind.Null or JsonValueKind.False => null,
                        JsonValueKind.String when value.GetString() is "char" or "word" => value.GetString(),
                        _ => throw Arguments.Bad("return_timestamps",
                            "\"char\" or \"word\" for a CTC model (which predicts character or word timestamps), or false", value),
                    };
                    break;
                default: // chunk_length_s, stride_length_s
                    (chunk, strideLeft, strideRight) = ReadChunking(property, chunk, strideLeft, strideRight);
                    break;
            }
        }

        return new Options(timestamps, chunk, strideLeft, strideRight);
    }

    /// <summary>Reads <c>chunk_length_s</c> (a number) or <c>stride_length_s</c> (a number, or [left, right]) over the values read so far.</summary>
    internal static (double? Chunk, double? StrideLeft, double? StrideRight) ReadChunking(
        JsonProperty property, double? chunk, double? strideLeft, double? strideRight)
    {
        var value = property.Value;
        if (property.Name == "chunk_length_s")
        {
            return (value.ValueKind == JsonValueKind.Null ? null : Arguments.Number(value, "chunk_length_s", 0, 3600, false, "from 0 to 3600"), strideLeft, strideRight);
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var pair = value.EnumerateArray().ToList();
            if (pair.Count != 2)
            {
                throw Arguments.Bad("stride_length_s", "a number or a list of two numbers [left, right]", value);
            }

            return (chunk, Arguments.Number(pair[0], "stride_length_s", 0, 3600, false, "from 0 to 3600"),
                Arguments.Number(pair[1], "stride_length_s", 0, 3600, false, "from 0 to 3600"));
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return (chunk, strideLeft, strideRight);
        }

        var stride = Arguments.Number(value, "stride_length_s", 0, 3600, false, "from 0 to 3600");
        return (chunk, stride, stride);
    }

    /// <summary>The parameters of one request.</summary>
    internal sealed record Options(string? Timestamps, double? ChunkLengthS, double? StrideLeftS, double? StrideRightS);

    /// <summary>One chunk of the sound: its first sample, its length, and the strides dropped at each side.</summary>
    internal readonly record struct Chunk(int Start, int Length, int Left, int Right);

    /// <summary><c>{"text", "chunks": [{"text", "timestamp": [start, end]}]}</c>, as the pipeline answers with timestamps.</summary>
    private sealed class TimestampedOutput(string text, IReadOnlyList<(string Text, double Start, double End)> chunks) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteStartArray("chunks");
            foreach (var chunk in chunks)
            {
                writer.WriteStartObject();
                writer.WriteString("text", chunk.Text);
                writer.WriteStartArray("timestamp");
                writer.WriteNumberValue(chunk.Start);
                writer.WriteNumberValue(chunk.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}
