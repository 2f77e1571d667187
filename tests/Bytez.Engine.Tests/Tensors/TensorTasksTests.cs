using Bytez.Engine.Tensors;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Tensors;

/// <summary><see cref="TensorTasks.Guess"/>: the task of real repositories' configurations, and the ones it must not take.</summary>
public sealed class TensorTasksTests
{
    private const string ImageProcessor = """{"image_processor_type": "ViTImageProcessor", "image_mean": [0.5, 0.5, 0.5]}""";
    private const string AudioExtractor = """{"feature_extractor_type": "Wav2Vec2FeatureExtractor", "sampling_rate": 16000}""";

    [Theory]
    [InlineData("vit", "ViTForImageClassification", ImageProcessor, BytezTasks.ImageClassification)]
    [InlineData("deit", "DeiTForImageClassificationWithTeacher", ImageProcessor, BytezTasks.ImageClassification)]
    [InlineData("detr", "DetrForObjectDetection", ImageProcessor, BytezTasks.ObjectDetection)]
    [InlineData("yolos", "YolosForObjectDetection", ImageProcessor, BytezTasks.ObjectDetection)]
    [InlineData("segformer", "SegformerForSemanticSegmentation", ImageProcessor, BytezTasks.ImageSegmentation)]
    [InlineData("detr", "DetrForSegmentation", ImageProcessor, BytezTasks.ImageSegmentation)]
    [InlineData("mask2former", "Mask2FormerForUniversalSegmentation", ImageProcessor, BytezTasks.ImageSegmentation)]
    [InlineData("depth_anything", "DepthAnythingForDepthEstimation", ImageProcessor, BytezTasks.DepthEstimation)]
    [InlineData("dpt", "DPTForDepthEstimation", ImageProcessor, BytezTasks.DepthEstimation)]
    [InlineData("audio-spectrogram-transformer", "ASTForAudioClassification", AudioExtractor, BytezTasks.AudioClassification)]
    [InlineData("wav2vec2", "Wav2Vec2ForSequenceClassification", AudioExtractor, BytezTasks.AudioClassification)]
    [InlineData("hubert", "HubertForSequenceClassification", AudioExtractor, BytezTasks.AudioClassification)]
    [InlineData("bert", "BertForSequenceClassification", AudioExtractor, null)]
    [InlineData("wav2vec2", "Wav2Vec2ForCTC", AudioExtractor, BytezTasks.AutomaticSpeechRecognition)]
    [InlineData("dinov2", "Dinov2Model", ImageProcessor, BytezTasks.ImageFeatureExtraction)]
    [InlineData("clip_vision_model", "CLIPVisionModelWithProjection", ImageProcessor, BytezTasks.ImageFeatureExtraction)]
    [InlineData("wav2vec2", "Wav2Vec2Model", AudioExtractor, null)]
    [InlineData("whisper", "WhisperForConditionalGeneration", AudioExtractor, null)]
    [InlineData("vision-encoder-decoder", "VisionEncoderDecoderModel", ImageProcessor, null)]
    [InlineData("trocr", "TrOCRForCausalLM", ImageProcessor, null)]
    public void Guess_FollowsTheArchitecture(string modelType, string architecture, string preprocessor, string? task)
    {
        var config = TensorModelConfig.Parse(
            $$"""{"model_type": "{{modelType}}", "architectures": ["{{architecture}}"]}""", "config.json", preprocessor, "preprocessor_config.json");

        Assert.Equal(task, TensorTasks.Guess(config));
    }

    [Theory]
    [InlineData("clip", "CLIPModel")]
    [InlineData("siglip", "SiglipModel")]
    public void Guess_DualEncoder_IsAZeroShotImageClassifier(string modelType, string architecture)
    {
        var config = TensorModelConfig.Parse(
            $$$"""{"model_type": "{{{modelType}}}", "architectures": ["{{{architecture}}}"], "text_config": {}, "vision_config": {}}""", "config.json", ImageProcessor);

        Assert.Equal(BytezTasks.ZeroShotImageClassification, TensorTasks.Guess(config));
    }

    [Fact]
    public void Guess_NoArchitectures_IsNull()
    {
        Assert.Null(TensorTasks.Guess(TensorModelConfig.Parse("""{"model_type": "vit"}""", "config.json", ImageProcessor)));
    }
}
