using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media;
using Bytez.Media.Audio;

namespace Bytez.Engine.Tasks;

/// <summary>
/// The one way an audio task turns a request's sound into a model row: the media read by <see cref="MediaReader"/>,
/// decoded by <see cref="AudioDecoder"/> to mono at the feature extractor's <c>sampling_rate</c> (as the Python
/// pipelines' <c>ffmpeg_read</c>), then the feature extractor <c>preprocessor_config.json</c> names:
/// <c>Wav2Vec2FeatureExtractor</c> (the default: raw samples as <c>input_values</c> [samples], with an
/// <c>attention_mask</c> of ones when the model takes one) or <c>ASTFeatureExtractor</c> (Kaldi fbank frames as
/// <c>input_values</c> [max_length, num_mel_bins]). Whisper's log-mel is not read here (<see cref="WhisperSpeechRecognition"/> reads it), but its sound is decoded by <see cref="DecodeAsync(MediaInput, int, MediaLimits, CancellationToken)"/>.
/// </summary>
public sealed class AudioFeatures
{
    private readonly Wav2Vec2FeatureExtractor? _wav2vec2;
    private readonly AstFeatureExtractor? _ast;

    private AudioFeatures(Wav2Vec2FeatureExtractor? wav2vec2, AstFeatureExtractor? ast, int samplingRate)
    {
        _wav2vec2 = wav2vec2;
        _ast = ast;
        SamplingRate = samplingRate;
    }

    /// <summary>The sample rate the model takes (<c>sampling_rate</c>).</summary>
    public int SamplingRate { get; }

    /// <summary>Whether the features are raw samples (wav2vec2 style), whose frames map to samples by <c>inputs_to_logits_ratio</c>.</summary>
    public bool IsRawWaveform => _wav2vec2 is not null;

    /// <summary>The feature extractor of a model's <c>preprocessor_config.json</c>.</summary>
    /// <exception cref="EngineException">The file is missing or wrong, or names an extractor this server has not (BadInput / NotSupported).</exception>
    public static AudioFeatures For(ITensorInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var preprocessor = instance.Config.RequirePreprocessor(instance.Model.Id);
        var type = preprocessor.TryGetProperty("feature_extractor_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        try
        {
            switch (type)
            {
                case null or "Wav2Vec2FeatureExtractor":
                    var wav2vec2 = Wav2Vec2FeatureExtractor.FromJson(preprocessor.GetRawText());
                    return new AudioFeatures(wav2vec2, null, wav2vec2.Config.SamplingRate);
                case "ASTFeatureExtractor":
                    var ast = AstFeatureExtractor.FromJson(preprocessor.GetRawText());
                    return new AudioFeatures(null, ast, ast.Config.SamplingRate);
                default:
                    throw EngineException.NotSupported(
                        $"The model {instance.Model.Id} names the feature extractor '{type}'; this server prepares audio for Wav2Vec2FeatureExtractor and ASTFeatureExtractor.");
            }
        }
        catch (InvalidDataException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"The model {instance.Model.Id}: {e.Message}", e);
        }
    }

    /// <summary>Decodes one media input to mono samples at <see cref="SamplingRate"/>; media errors become the client's 400/413/415.</summary>
    /// <exception cref="EngineException">The bytes are not audio this server decodes, are broken, too long, or hold no samples.</exception>
    public ValueTask<float[]> DecodeAsync(MediaInput input, MediaLimits limits, CancellationToken cancellationToken) =>
        DecodeAsync(input, SamplingRate, limits, cancellationToken);

    /// <summary>Decodes one media input to mono samples at <paramref name="samplingRate"/> (any feature extractor's rate); media errors become the client's 400/413/415.</summary>
    /// <exception cref="EngineException">The bytes are not audio this server decodes, are broken, too long, or hold no samples.</exception>
    public static async ValueTask<float[]> DecodeAsync(MediaInput input, int samplingRate, MediaLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        AudioSamples audio;
        try
        {
            audio = await new AudioDecoder(limits).DecodeAsync(input.Data, samplingRate, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaException e)
        {
            throw MediaErrors.From(e, input.Source);
        }

        return audio.Samples.Length == 0
            ? throw EngineException.BadInput($"The media in {input.Source} holds no audio samples.")
            : audio.Samples;
    }

    /// <summary>The model row of decoded samples: <c>input_values</c>, and <c>attention_mask</c> when the model takes one.</summary>
    public TensorRow Row(ITensorInstance instance, ReadOnlySpan<float> samples)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var inputs = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        if (_ast is { } ast)
        {
            inputs["input_values"] = TensorValue.Float(ast.Extract(samples), ast.Config.MaxLength, ast.Config.NumMelBins);
        }
        else
        {
            inputs["input_values"] = TensorValue.Float(_wav2vec2!.Extract(samples), samples.Length);
            if (instance.Inputs.Any(i => i.Name == "attention_mask"))
            {
                var mask = new long[samples.Length];
                Array.Fill(mask, 1L);
                inputs["attention_mask"] = TensorValue.Int64(mask, samples.Length);
            }
        }

        return new TensorRow(inputs);
    }
}
