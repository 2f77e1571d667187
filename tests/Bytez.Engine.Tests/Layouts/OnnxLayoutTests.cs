using Bytez.Engine.Layouts;

namespace Bytez.Engine.Tests.Layouts;

/// <summary>The layouts of the repositories that hold ONNX models (Xenova, onnx-community, optimum, Optimum seq2seq exports).</summary>
public sealed class OnnxLayoutTests
{
    [Theory]
    [InlineData(null, new[] { "onnx/model_quantized.onnx", "onnx/model_fp16.onnx", "model.onnx" }, "model.onnx")]
    [InlineData(null, new[] { "onnx/model_quantized.onnx", "onnx/model_fp16.onnx" }, "onnx/model_fp16.onnx")]
    [InlineData(null, new[] { "onnx/model_bnb4.onnx", "onnx/model_q4.onnx" }, "onnx/model_q4.onnx")]
    [InlineData("q8", new[] { "onnx/model.onnx", "onnx/model_quantized.onnx" }, "onnx/model_quantized.onnx")]
    [InlineData("int8", new[] { "onnx/model.onnx", "onnx/model_int8.onnx" }, "onnx/model_int8.onnx")]
    [InlineData("q4f16", new[] { "onnx/model.onnx", "model_q4f16.onnx" }, "model_q4f16.onnx")]
    public void FindWeights_Encoder_TakesFullPrecisionFirstOrTheVariantAsked(string? variant, string[] present, string expected)
    {
        var found = OnnxLayout.FindWeights(OnnxFamily.Encoder, variant, present.Contains);

        Assert.Equal([expected], found);
    }

    [Fact]
    public void FindWeights_Encoder_AbsentVariantIsNotReplacedByAnother() =>
        Assert.Null(OnnxLayout.FindWeights(OnnxFamily.Encoder, "fp16", new[] { "onnx/model.onnx" }.Contains));

    [Fact]
    public void FindWeights_Seq2Seq_MergedDecoderFirstThenTheSplitPair()
    {
        string[] split = ["onnx/encoder_model.onnx", "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx"];
        string[] both = [.. split, "onnx/decoder_model_merged.onnx"];

        Assert.Equal(["onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"], OnnxLayout.FindWeights(OnnxFamily.Seq2Seq, null, both.Contains));
        Assert.Equal(split, OnnxLayout.FindWeights(OnnxFamily.Seq2Seq, null, split.Contains));
        Assert.Null(OnnxLayout.FindWeights(OnnxFamily.Seq2Seq, null, new[] { "onnx/encoder_model.onnx", "onnx/decoder_model.onnx" }.Contains));
    }

    [Theory]
    [InlineData("text-generation", OnnxFamily.Decoder)]
    [InlineData("chat", OnnxFamily.Decoder)]
    [InlineData("summarization", OnnxFamily.Seq2Seq)]
    [InlineData("translation_en_to_de", OnnxFamily.Seq2Seq)]
    [InlineData("text2text-generation", OnnxFamily.Seq2Seq)]
    [InlineData("feature-extraction", OnnxFamily.Encoder)]
    [InlineData("token-classification", OnnxFamily.Encoder)]
    [InlineData("image-to-text", OnnxFamily.Seq2Seq)]
    public void FamilyOf_Task_IsTheFamilyThatServesIt(string task, OnnxFamily family) => Assert.Equal(family, OnnxLayout.FamilyOf(task));

    [Theory]
    [InlineData("automatic-speech-recognition", true, OnnxFamily.Seq2Seq)]
    [InlineData("automatic-speech-recognition", false, OnnxFamily.Encoder)]
    [InlineData("image-to-text", false, OnnxFamily.Seq2Seq)]
    [InlineData("text-classification", true, OnnxFamily.Encoder)]
    public void FamilyOf_SpeechRecognition_IsEncoderDecoderOnlyForWhisperStyleModels(string task, bool encoderDecoder, OnnxFamily family)
        => Assert.Equal(family, OnnxLayout.FamilyOf(task, encoderDecoder));

    [Theory]
    [InlineData("onnx/model.onnx_data", "onnx/model.onnx", true)]
    [InlineData("onnx/model.onnx_data_1", "onnx/model.onnx", true)]
    [InlineData("onnx/model.onnx.data", "onnx/model.onnx", true)]
    [InlineData("onnx/model_fp16.onnx_data", "onnx/model.onnx", false)]
    [InlineData("onnx/model.onnx_data/x", "onnx/model.onnx", false)]
    public void IsExternalDataOf_OptimumNames(string path, string onnx, bool expected) => Assert.Equal(expected, OnnxLayout.IsExternalDataOf(path, onnx));

    [Theory]
    [InlineData("tokenizer.json", true)]
    [InlineData("1_Pooling/config.json", true)]
    [InlineData("2_Dense/config.json", true)]
    [InlineData("Pooling/config.json", false)]
    [InlineData("x_Pooling/config.json", false)]
    [InlineData("1_/config.json", false)]
    [InlineData("onnx/config.json", false)]
    public void IsSupportFile_ConfigsAndModuleConfigs(string path, bool expected) => Assert.Equal(expected, OnnxLayout.IsSupportFile(path));

    [Fact]
    public void VariantsPresent_NamesThemAsTransformersJsDoes()
    {
        string[] files = ["onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_fp16.onnx", "onnx/model_O4.onnx", "onnx/decoder_model_merged.onnx"];

        Assert.Equal(["O4", "fp16", "fp32", "q8"], OnnxLayout.VariantsPresent(OnnxFamily.Encoder, files));
    }
}
