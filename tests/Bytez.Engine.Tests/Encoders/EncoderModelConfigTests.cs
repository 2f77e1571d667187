using Bytez.Engine.Encoders;

namespace Bytez.Engine.Tests.Encoders;

/// <summary>The configuration the encoder tasks read, as Hugging Face's PretrainedConfig and tokenizer read it.</summary>
public sealed class EncoderModelConfigTests
{
    [Fact]
    public void Parse_Id2Label_LabelsInIdOrder_Label2IdAndProblemType()
    {
        var config = EncoderModelConfig.Parse(
            """{"id2label": {"1": "POSITIVE", "0": "NEGATIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1}, "problem_type": "single_label_classification", "max_position_embeddings": 512}""",
            "config.json");

        Assert.Equal(["NEGATIVE", "POSITIVE"], config.Labels);
        Assert.Equal(1, config.LabelIds["POSITIVE"]);
        Assert.Equal("single_label_classification", config.ProblemType);
        Assert.Equal(512, config.MaxLength);
    }

    [Fact]
    public void Parse_NoLabels_HuggingFacesTwoDefaultLabels_AndLabelPastThemIsNamedByItsId()
    {
        var config = EncoderModelConfig.Parse("{}", "config.json");

        Assert.Equal(["LABEL_0", "LABEL_1"], config.Labels);
        Assert.Equal("LABEL_7", config.Label(7));
    }

    [Fact]
    public void Parse_NumLabelsOnly_LabelsNamedByTheirIds()
        => Assert.Equal(["LABEL_0"], EncoderModelConfig.Parse("""{"num_labels": 1}""", "config.json").Labels);

    [Fact]
    public void Parse_RobertaPositions_TwoReservedForThePadding()
        => Assert.Equal(512, EncoderModelConfig.Parse("""{"model_type": "roberta", "max_position_embeddings": 514}""", "config.json").MaxLength);

    [Theory]
    [InlineData("""{"id2label": {"zero": "A"}}""", "id2label has the key 'zero'")]
    [InlineData("""{"id2label": {"0": "A", "1000000": "B"}}""", "its ids reach")]
    [InlineData("""{"num_labels": 0}""", "num_labels is 0")]
    [InlineData("""[1, 2]""", "is not a JSON object")]
    [InlineData("""{"id2label": """, "is not valid JSON")]
    public void Parse_ImpossibleConfig_NotSupportedNamingTheFile(string json, string expected)
    {
        var e = Assert.Throws<EngineException>(() => EncoderModelConfig.Parse(json, "/m/config.json"));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("/m/config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model_max_length": 128}""", 128)]
    [InlineData("""{"model_max_length": 1e30}""", 512)] // Hugging Face's "no bound" sentinel: the config's positions decide
    public void Read_TokenizerModelMaxLength_WinsWhenItIsARealBound(string tokenizerConfig, int expected)
    {
        var folder = Directory.CreateTempSubdirectory("bytez-encoder-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), """{"max_position_embeddings": 512}""");
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), tokenizerConfig);

            Assert.Equal(expected, EncoderModelConfig.Read(folder).MaxLength);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
