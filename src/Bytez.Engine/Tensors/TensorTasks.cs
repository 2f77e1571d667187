using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Tensors;

/// <summary>
/// The vision and audio tasks whose models load as <see cref="ITensorInstance"/>s, and the task a model folder is
/// listed under when nothing names one, guessed from <c>config.json</c>'s <c>architectures</c> as the Hugging Face
/// Hub's pipeline tags follow the transformers auto classes (transformers 4.57).
/// </summary>
public static class TensorTasks
{
    /// <summary>The tasks served by tensor instances.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        BytezTasks.ImageClassification, BytezTasks.ObjectDetection, BytezTasks.ImageSegmentation, BytezTasks.DepthEstimation,
        BytezTasks.ImageFeatureExtraction, BytezTasks.AutomaticSpeechRecognition, BytezTasks.AudioClassification,
        BytezTasks.TextToSpeech,
        BytezTasks.ZeroShotImageClassification,
    };

    /// <summary>
    /// Whether a task's models need <c>preprocessor_config.json</c>: every vision and audio task reads its media with
    /// it; text-to-speech (VITS) reads text with its own tokenizer files instead.
    /// </summary>
    public static bool NeedsPreprocessor(string task) => task != BytezTasks.TextToSpeech;

    /// <summary>
    /// Whether each row of a task runs in a batch of its own: text-to-speech, whose waveform's length follows the
    /// durations the model predicts, so rows of equal input shapes still have outputs of different lengths (batched,
    /// the shorter ones would be padded with the decoder's output of silence).
    /// </summary>
    public static bool RunsRowsAlone(string task) => task == BytezTasks.TextToSpeech;

    /// <summary>
    /// <c>model_type</c>s of speech encoders, whose <c>...ForSequenceClassification</c> heads classify audio
    /// (transformers' <c>MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING</c>).
    /// </summary>
    public static IReadOnlySet<string> AudioModelTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "wav2vec2", "wav2vec2-conformer", "wav2vec2-bert", "hubert", "wavlm", "data2vec-audio", "unispeech", "unispeech-sat",
        "sew", "sew-d", "audio-spectrogram-transformer", "whisper",
    };

    /// <summary>
    /// The task of a vision or audio model, or <see langword="null"/> when the configuration names none of them:
    /// <c>...ForImageClassification</c> → image-classification; <c>...ForObjectDetection</c> → object-detection;
    /// <c>...ForSemanticSegmentation</c>, <c>...ForSegmentation</c> (DETR panoptic), <c>...ForImageSegmentation</c>, <c>...ForUniversalSegmentation</c>,
    /// <c>...ForPanopticSegmentation</c>, <c>...ForInstanceSegmentation</c> → image-segmentation;
    /// <c>...ForDepthEstimation</c> → depth-estimation; <c>...ForAudioClassification</c>, or
    /// <c>...ForSequenceClassification</c> of an audio <c>model_type</c> (<see cref="AudioModelTypes"/>) →
    /// audio-classification; <c>...ForCTC</c> → automatic-speech-recognition; a bare backbone (<c>...Model</c>,
    /// <c>...ModelWithProjection</c>) whose <c>preprocessor_config.json</c> is an image processor →
    /// image-feature-extraction, except a CLIP-style dual encoder (<c>CLIPModel</c>, <c>SiglipModel</c>: a
    /// <c>text_config</c> beside an image processor) → zero-shot-image-classification; <c>VitsModel</c> or the
    /// <c>model_type</c> <c>vits</c> (VITS, MMS-TTS) → text-to-speech. Encoder-decoder models (Whisper,
    /// VisionEncoderDecoder: <c>...ForConditionalGeneration</c>, <c>...EncoderDecoderModel</c>) are never guessed here.
    /// </summary>
    public static string? Guess(TensorModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ModelType == "vits")
        {
            return BytezTasks.TextToSpeech;
        }

        foreach (var architecture in config.Architectures)
        {
            if (architecture.EndsWith("ForConditionalGeneration", StringComparison.Ordinal)
                || architecture.Contains("EncoderDecoder", StringComparison.Ordinal))
            {
                return null;
            }

            var task = architecture switch
            {
                "VitsModel" => BytezTasks.TextToSpeech,
                _ when architecture.Contains("ForImageClassification", StringComparison.Ordinal) => BytezTasks.ImageClassification,
                _ when architecture.EndsWith("ForObjectDetection", StringComparison.Ordinal) => BytezTasks.ObjectDetection,
                _ when architecture.EndsWith("ForSemanticSegmentation", StringComparison.Ordinal)
                    || architecture.EndsWith("ForSegmentation", StringComparison.Ordinal)
                    || architecture.EndsWith("ForImageSegmentation", StringComparison.Ordinal)
                    || architecture.EndsWith("ForUniversalSegmentation", StringComparison.Ordinal)
                    || architecture.EndsWith("ForPanopticSegmentation", StringComparison.Ordinal)
                    || architecture.EndsWith("ForInstanceSegmentation", StringComparison.Ordinal) => BytezTasks.ImageSegmentation,
                _ when architecture.EndsWith("ForDepthEstimation", StringComparison.Ordinal) => BytezTasks.DepthEstimation,
                _ when architecture.EndsWith("ForAudioClassification", StringComparison.Ordinal) => BytezTasks.AudioClassification,
                _ when architecture.EndsWith("ForSequenceClassification", StringComparison.Ordinal) && AudioModelTypes.Contains(config.ModelType)
                    => BytezTasks.AudioClassification,
                _ when architecture.EndsWith("ForCTC", StringComparison.Ordinal) => BytezTasks.AutomaticSpeechRecognition,
                _ when IsBackbone(architecture) && IsImageProcessor(config.Preprocessor)
                    => IsDualEncoder(config) ? BytezTasks.ZeroShotImageClassification : BytezTasks.ImageFeatureExtraction,
                _ => null,
            };
            if (task is not null)
            {
                return task;
            }
        }

        return null;
    }

    private static bool IsBackbone(string architecture) =>
        architecture.EndsWith("Model", StringComparison.Ordinal) || architecture.EndsWith("ModelWithProjection", StringComparison.Ordinal);

    /// <summary>CLIP-style models (an image and a text tower in one graph) are zero-shot image classifiers, not backbones.</summary>
    private static bool IsDualEncoder(TensorModelConfig config) =>
        config.Raw.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object
        && config.Architectures.All(a => !a.Contains("Vision", StringComparison.Ordinal));

    /// <summary>Whether a <c>preprocessor_config.json</c> prepares images (an image processor, or image mean and std).</summary>
    private static bool IsImageProcessor(JsonElement? preprocessor) =>
        preprocessor is { } p
        && ((p.TryGetProperty("image_processor_type", out var type) && type.ValueKind == JsonValueKind.String)
            || p.TryGetProperty("image_mean", out _)
            || (p.TryGetProperty("feature_extractor_type", out var legacy) && legacy.ValueKind == JsonValueKind.String
                && (legacy.GetString() ?? string.Empty).Contains("Image", StringComparison.Ordinal)));
}
