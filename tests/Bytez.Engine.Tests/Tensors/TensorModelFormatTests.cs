using Bytez.Engine.Onnx;
using Bytez.Protocol;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tensors;

/// <summary>
/// <see cref="OnnxModelFormat"/> and <see cref="OnnxRuntime"/> on vision and audio folders: recognised without a
/// tokenizer, the task guessed from <c>architectures</c>, bad configuration files named, encoder-decoders left alone.
/// </summary>
public sealed class TensorModelFormatTests
{
    [Fact]
    public void Describe_RecordsTheWeightsAndAnEncoderMemoryEstimate()
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("format-classifier"));

        var descriptor = TensorModels.Describe(model.Folder);

        Assert.Equal(["onnx/model.onnx"], descriptor.WeightFiles);
        var bytes = new FileInfo(MediaModelFolders.OnnxPath(model.Folder)).Length;
        Assert.Equal(bytes, descriptor.WeightBytes);
        Assert.Equal((2 * bytes) + (64L << 20), descriptor.EstimatedRamBytes);
        Assert.True(new OnnxRuntime().CanLoad(descriptor));
    }

    [Fact]
    public void Describe_GivenTask_IsKept()
    {
        var model = ImageFeatureModelWriter.Write(TinyEncoderRun.NewFolder("format-given"));

        Assert.Equal(BytezTasks.ImageClassification, TensorModels.Describe(model.Folder, BytezTasks.ImageClassification).Task);
    }

    [Fact]
    public void Describe_MalformedConfig_IsBadInputNamingIt()
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("format-malformed"));
        File.WriteAllText(Path.Combine(model.Folder, "config.json"), "{\"architectures\": [\"ViTForImageClassification\"");

        var error = Assert.Throws<EngineException>(() => TensorModels.Describe(model.Folder));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(Path.Combine(model.Folder, "config.json") + " is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPreprocessor_WithTheTaskNamed_IsBadInputNamingIt()
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("format-no-preprocessor"));
        var descriptor = TensorModels.Describe(model.Folder);
        File.Delete(Path.Combine(model.Folder, "preprocessor_config.json"));

        var described = Assert.Throws<EngineException>(() => TensorModels.Describe(model.Folder, BytezTasks.ImageClassification));
        Assert.Equal(EngineErrorKind.BadInput, described.Kind);
        Assert.Contains("has no preprocessor_config.json", described.Message, StringComparison.Ordinal);

        var loaded = await Assert.ThrowsAsync<EngineException>(() => new OnnxRuntime(new OnnxRuntimeOptions { Sessions = 1 })
            .LoadAsync(descriptor, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(EngineErrorKind.BadInput, loaded.Kind);
        Assert.Contains("has no preprocessor_config.json", loaded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_WithoutPreprocessorOrTask_IsNotAVisionModel()
    {
        var model = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("format-bare"));
        File.Delete(Path.Combine(model.Folder, "preprocessor_config.json"));

        Assert.Null(new OnnxModelFormat().TryDescribe("tiny/format-bare", model.Folder, null));
    }

    [Theory]
    [InlineData("whisper", "WhisperForConditionalGeneration", "automatic-speech-recognition")]
    [InlineData("vision-encoder-decoder", "VisionEncoderDecoderModel", "image-to-text")]
    public void Describe_EncoderDecoderSpeechAndVision_AreNotTensorModels(string modelType, string architecture, string task)
    {
        // An Optimum encoder-decoder set (any ONNX graphs: only the file names and the configuration are read here).
        var folder = TinyEncoderRun.NewFolder("format-" + modelType);
        var donor = ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("format-donor-" + modelType));
        Directory.CreateDirectory(Path.Combine(folder, "onnx"));
        File.Copy(MediaModelFolders.OnnxPath(donor.Folder), Path.Combine(folder, "onnx", "encoder_model.onnx"));
        File.Copy(MediaModelFolders.OnnxPath(donor.Folder), Path.Combine(folder, "onnx", "decoder_model_merged.onnx"));
        MediaModelFolders.WriteConfig(folder, architecture, modelType, null);
        File.Copy(Path.Combine(donor.Folder, "preprocessor_config.json"), Path.Combine(folder, "preprocessor_config.json"));

        var descriptor = TensorModels.Describe(folder);

        Assert.Equal(task, descriptor.Task);
        Assert.Equal(["onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"], descriptor.WeightFiles);
        // Not a tensor instance: the ONNX runtime takes the folder as an encoder-decoder (Seq2Seq/MediaSeq2SeqRuntimeTests load real ones).
        Assert.True(new OnnxRuntime().CanLoad(descriptor with { Task = BytezTasks.AutomaticSpeechRecognition }));
    }

    [Fact]
    public void Describe_TextEncoderFolders_AreUnchanged()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("format-text"));

        Assert.Equal(BytezTasks.FeatureExtraction, TensorModels.Describe(model.Folder).Task);
    }
}
