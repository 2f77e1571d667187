using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Engine.VoiceActivity;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>audio-classification</c> on an <see cref="ITensorInstance"/> (wav2vec2/HuBERT classifiers, AST), with the
/// semantics of transformers 4.57's <c>AudioClassificationPipeline</c>: the sound decoded at the feature extractor's
/// rate (<see cref="AudioFeatures"/>), one forward pass over the whole clip, <c>function_to_apply</c> (softmax by
/// default, sigmoid or none, in float32) on the logits, then the <c>top_k</c> best labels (default 5; null: all;
/// capped at the label count) sorted by score, equal scores in label-id order: <c>[{score, label}]</c>.
/// A voice-activity model (<see cref="IVoiceActivityInstance"/>, the embedded Silero VAD) answers the same list for
/// the labels <c>speech</c> and <c>no-speech</c>, each score the label's share of the clip's windows, and each item
/// with the label's <c>segments</c> (<see cref="VoiceSegments"/>: <c>[{start, end, score}]</c> in seconds); its
/// <c>threshold</c> parameter sets the speech probability a window needs.
/// </summary>
public sealed class AudioClassificationPipeline : ITaskPipeline
{
    private readonly MediaReader _reader;

    /// <summary>Creates the pipeline; <paramref name="reader"/> reads the request's sound and carries the media limits.</summary>
    public AudioClassificationPipeline(MediaReader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.AudioClassification],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("top_k", "integer >= 0 or null", "5", "Return the k best labels sorted by score (capped at the label count; 0 returns none, as torch.topk); null returns every label."),
            new("function_to_apply", "\"softmax\", \"sigmoid\" or \"none\"", "softmax", "The function turning logits into scores (voice-activity models: softmax only, their scores are shares of the clip)."),
            new("threshold", "number 0-1", "0.5", "Voice-activity models only: the speech probability at or above which a window is speech."),
        ],
        Output = "[{\"score\", \"label\"}] sorted by score, at most top_k of them; voice-activity models add \"segments\": [{\"start\", \"end\", \"score\"}] (seconds) to each label",
        RepositoryFiles = ["config.json", "preprocessor_config.json"],
        SmokeRequest = static _ => new RunRequest { Base64 = Convert.ToBase64String(WavEncoder.EncodeFloat32(SmokeTone(), 16000)) },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is IVoiceActivityInstance vad)
        {
            return await VoiceActivityAsync(vad, request, cancellationToken).ConfigureAwait(false);
        }

        if (instance is not ITensorInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an audio model with a classification head.");
        }

        var task = instance.Model.Task;
        var (topK, function, threshold) = ReadOptions(request.Params, model.Config.LabelCount, task);
        if (threshold is not null)
        {
            throw EngineException.BadInput($"`threshold` is for voice-activity models; the model {instance.Model.Id} is a classifier (use top_k and function_to_apply).");
        }
        var features = AudioFeatures.For(model);
        var media = await _reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var samples = await features.DecodeAsync(media, _reader.Limits, cancellationToken).ConfigureAwait(false);
        var results = await model.RunAsync([features.Row(model, samples)], cancellationToken).ConfigureAwait(false);
        var scores = TextClassificationPipeline.Scores(results[0]["logits"].AsFloats(), function);
        if (scores.Any(s => !float.IsFinite(s)))
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
        }

        var best = scores.Select((score, id) => new LabelScore(model.Config.Label(id), score))
            .OrderByDescending(s => s.Score) // stable: equal scores keep label-id order
            .Take(Math.Min(topK ?? scores.Length, scores.Length))
            .ToList();
        return new ScoreLabelsOutput(best);
    }

    /// <summary>
    /// A voice-activity model's answer: the clip at the model's rate, every window labelled, the labels sorted by their
    /// share of the windows (equal shares: no-speech first, its id being 0), each with its merged segments.
    /// </summary>
    private async ValueTask<TaskOutput> VoiceActivityAsync(IVoiceActivityInstance model, RunRequest request, CancellationToken cancellationToken)
    {
        var task = model.Model.Task;
        var (topK, function, threshold) = ReadOptions(request.Params, 2, task);
        if (function != ScoreFunction.Softmax)
        {
            throw EngineException.BadInput(
                $"`function_to_apply` does not apply to the voice-activity model {model.Model.Id}: its scores are each label's share of the clip (only \"softmax\", the default, is taken).");
        }

        var media = await _reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        AudioSamples audio;
        try
        {
            audio = await new AudioDecoder(_reader.Limits).DecodeAsync(media.Data, model.SampleRate, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaException e)
        {
            throw MediaErrors.From(e, media.Source);
        }

        if (audio.Samples.Length == 0)
        {
            throw EngineException.BadInput($"The media in {media.Source} holds no audio samples.");
        }

        var windows = await model.DetectAsync(audio, (float)(threshold ?? 0.5), cancellationToken).ConfigureAwait(false);
        var segments = VoiceSegments.Merge(windows, TimeSpan.FromSeconds(audio.Samples.Length / (double)model.SampleRate));
        var (speech, noSpeech) = VoiceSegments.Shares(windows);
        var labels = new[] { (Label: VadWindow.NoSpeechLabel, Score: noSpeech), (Label: VadWindow.SpeechLabel, Score: speech) }
            .OrderByDescending(l => l.Score) // stable: equal shares keep label-id order
            .Take(topK ?? 2)
            .Select(l => (l.Label, l.Score, Segments: (IReadOnlyList<VoiceSegment>)segments.Where(s => s.Label == l.Label).ToList()))
            .ToList();
        return new VoiceActivityOutput(labels);
    }

    private static (int? TopK, ScoreFunction Function, double? Threshold) ReadOptions(JsonElement? parameters, int labels, string task)
    {
        int? topK = 5;
        double? threshold = null;
        var function = ScoreFunction.Softmax;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (property.Name == "top_k")
            {
                topK = value.ValueKind == JsonValueKind.Null ? null : Arguments.Int(value, "top_k", 0);
            }
            else if (property.Name == "threshold")
            {
                threshold = Arguments.Number(value, "threshold", 0, 1, minExclusive: false, "from 0 to 1");
            }
            else
            {
                // As the pipeline: null means softmax; the names are exact (lower case).
                function = Arguments.String(value, "function_to_apply") switch
                {
                    null or "softmax" => ScoreFunction.Softmax,
                    "sigmoid" => ScoreFunction.Sigmoid,
                    "none" => ScoreFunction.None,
                    _ => throw Arguments.Bad("function_to_apply", "one of \"softmax\", \"sigmoid\", \"none\"", value),
                };
            }
        }

        return (topK is { } k ? Math.Min(k, Math.Max(labels, 1)) : null, function, threshold);
    }

    /// <summary>A tenth of a second of a 440 Hz tone at 16 kHz, the smoke request's sound.</summary>
    internal static float[] SmokeTone() =>
        Enumerable.Range(0, 1600).Select(n => 0.5f * (float)Math.Sin(2 * Math.PI * 440 * n / 16000)).ToArray();

    /// <summary>
    /// A voice-activity answer: <c>[{"score", "label", "segments": [{"start", "end", "score"}]}]</c>, times in seconds.
    /// </summary>
    private sealed class VoiceActivityOutput(IReadOnlyList<(string Label, double Score, IReadOnlyList<VoiceSegment> Segments)> labels) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            foreach (var (label, score, segments) in labels)
            {
                writer.WriteStartObject();
                writer.WriteNumber("score", score);
                writer.WriteString("label", label);
                writer.WriteStartArray("segments");
                foreach (var segment in segments)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("start", Math.Round(segment.Start, 3));
                    writer.WriteNumber("end", Math.Round(segment.End, 3));
                    writer.WriteNumber("score", (float)segment.Score);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}
