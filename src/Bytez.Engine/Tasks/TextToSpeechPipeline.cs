using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tokenization;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>text-to-speech</c> on an <see cref="ITensorInstance"/> holding a VITS / MMS-TTS export (<c>input_ids</c>, and
/// <c>attention_mask</c> when it takes one, → <c>waveform</c> [batch, samples]), with the semantics of transformers
/// 4.57's <c>TextToAudioPipeline</c> for a model that is not generative: the text through the model's
/// <see cref="VitsTokenizer"/>, one forward pass, <c>{audio, sampling_rate}</c> with the rate of <c>config.json</c>
/// (<c>sampling_rate</c>, else <c>sample_rate</c>; VITS's default 16000). The answer is what the Bytez containers make
/// of that dictionary: a 32-bit float mono WAV (<see cref="WavEncoder"/>) as a <see cref="MediaOutput"/>, which the
/// server answers as a URL or, with <c>json: false</c>, as the bytes. Each text runs alone (batch 1): VITS's waveform
/// length follows the durations it predicts. The model's noise and speed scales are fixed in its export, so the task
/// takes no parameters.
/// </summary>
public sealed class TextToSpeechPipeline : ITaskPipeline
{
    /// <summary>
    /// The most tokens one text may give (the blanks counted): 2048, about a thousand characters. VITS has no length
    /// limit of its own; its text encoder's attention grows with the square of the length.
    /// </summary>
    public const int MaxTokens = 2048;

    /// <summary>The most characters (UTF-16 code units) a text may have before it is prepared, bounding the work of normalizing it.</summary>
    public const int MaxTextLength = 8 * MaxTokens;

    /// <summary>The sampling rate of a VITS configuration that names none (<c>VitsConfig</c>'s default).</summary>
    public const int DefaultSamplingRate = 16000;

    private static readonly ConditionalWeakTable<ITensorInstance, VitsTokenizer> Tokenizers = new();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.TextToSpeech],
        InputKeys = ["text", "input"],
        Parameters = [],
        Output = "a URL (under /files) to a WAV file: 32-bit float, mono, the model's sampling_rate; with \"json\": false the WAV bytes (audio/wav)",
        RepositoryFiles = ["config.json", "vocab.json", "tokenizer_config.json", "special_tokens_map.json"],
        SmokeRequest = static _ => new RunRequest { Text = "hello" },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not ITensorInstance model || !model.Inputs.Any(i => i.Name == "input_ids"))
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not a VITS text-to-speech model (one ONNX graph reading input_ids).");
        }

        var task = instance.Model.Task;
        if (request.Params is { ValueKind: JsonValueKind.Object } parameters)
        {
            foreach (var parameter in parameters.EnumerateObject())
            {
                throw EngineException.BadInput(
                    $"Unknown parameter `{parameter.Name}` for {task}; it takes no parameters (supported parameters: none): "
                    + "the model's noise and speed scales (noise_scale, noise_scale_duration, speaking_rate) are fixed in its ONNX export.");
            }
        }

        _ = Arguments.Parameters(request.Params, Declared.ParameterNames, task); // refuses a params that is not an object

        var text = ReadText(request, task);
        var ids = Tokenize(Tokenizer(model), text);
        var rate = SamplingRate(model.Config);
        var inputs = new Dictionary<string, TensorValue>(StringComparer.Ordinal) { ["input_ids"] = TensorValue.Int64(ids, ids.Length) };
        if (model.Inputs.Any(i => i.Name == "attention_mask"))
        {
            inputs["attention_mask"] = TensorValue.Int64(Enumerable.Repeat(1L, ids.Length).ToArray(), ids.Length);
        }

        var results = await model.RunAsync([new TensorRow(inputs)], cancellationToken).ConfigureAwait(false);
        var waveform = results[0].Outputs.TryGetValue("waveform", out var named) ? named : results[0][model.Outputs[0].Name];
        if (waveform.Shape.Count(d => d != 1) > 1)
        {
            throw EngineException.NotSupported(
                $"The model's waveform has the shape {waveform} per text; a mono waveform (one axis of samples) is expected.");
        }

        var audio = waveform.AsFloats();
        if (audio.Any(s => !float.IsFinite(s)))
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a sample that is not a finite number.");
        }

        return new MediaOutput(WavEncoder.EncodeFloat32(audio, rate), "audio/wav", "wav");
    }

    /// <summary>
    /// The sampling rate of the pipeline's answer as transformers reads it from the model's configuration:
    /// <c>sample_rate</c>, then <c>sampling_rate</c> (the later one wins), else VITS's default 16000.
    /// </summary>
    /// <exception cref="EngineException">The value is not a whole number from 1 to 1,000,000 (BadInput, naming the file).</exception>
    public static int SamplingRate(TensorModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var rate = DefaultSamplingRate;
        foreach (var name in new[] { "sample_rate", "sampling_rate" })
        {
            if (config.Raw.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                rate = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var r) && r is >= 1 and <= 1_000_000
                    ? r
                    : throw EngineException.BadInput($"config.json: `{name}` must be a whole number of samples per second from 1 to 1000000; got {Arguments.Describe(value)}.");
            }
        }

        return rate;
    }

    /// <summary>The model's tokenizer, read once per loaded instance.</summary>
    private static VitsTokenizer Tokenizer(ITensorInstance model)
    {
        if (Tokenizers.TryGetValue(model, out var cached))
        {
            return cached;
        }

        var tokenizer = VitsTokenizer.Load(model.Model.Path);
        Tokenizers.AddOrUpdate(model, tokenizer);
        return tokenizer;
    }

    private static long[] Tokenize(VitsTokenizer tokenizer, string text)
    {
        if (text.Length == 0)
        {
            throw EngineException.BadInput("text-to-speech needs a text to speak; `text` is empty.");
        }

        if (text.Length > MaxTextLength)
        {
            throw EngineException.BadInput(
                $"The text has {text.Length.ToString(CultureInfo.InvariantCulture)} characters; text-to-speech reads at most {MaxTextLength} (and {MaxTokens} tokens).");
        }

        var ids = tokenizer.Encode(text);
        if (ids.Length == 0)
        {
            throw EngineException.BadInput(
                "Nothing of the text is left to speak: none of its characters is in the model's vocabulary (vocab.json), "
                + "which holds: " + tokenizer.Characters + ".");
        }

        return ids.Length <= MaxTokens
            ? ids
            : throw EngineException.BadInput(
                $"The text gives {ids.Length.ToString(CultureInfo.InvariantCulture)} tokens (with the blanks between characters); text-to-speech reads at most {MaxTokens}. Send a shorter text.");
    }

    /// <summary>One text: <c>input</c> (or <c>text</c>) as a string; a list is refused (the answer is one audio file).</summary>
    private static string ReadText(RunRequest request, string task)
    {
        if (request.Input is { } input && input.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return input.ValueKind == JsonValueKind.String
                ? input.GetString()!
                : throw EngineException.BadInput($"{task} expects `input` (or `text`) as one string (the answer is one audio file); got {Arguments.Describe(input)}.");
        }

        return request.Text ?? throw EngineException.BadInput($"{task} expects `text` (or `input`) as a string; got nothing.");
    }
}
