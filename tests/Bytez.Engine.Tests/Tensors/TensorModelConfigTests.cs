using System.Text;
using Bytez.Engine.Tensors;

namespace Bytez.Engine.Tests.Tensors;

/// <summary><see cref="TensorModelConfig"/>: the labels as Hugging Face reads them, untrusted files refused naming the file.</summary>
public sealed class TensorModelConfigTests
{
    private static string Folder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"bytez-tensor-config-{Environment.ProcessId}", name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return folder;
    }

    [Fact]
    public void Read_LabelsArchitecturesAndBothDocuments()
    {
        var folder = Folder("labels");
        File.WriteAllText(Path.Combine(folder, "config.json"),
            """{"model_type": "vit", "architectures": ["ViTForImageClassification"], "id2label": {"0": "cat", "2": "dog"}, "problem_type": "multi_label_classification", "image_size": 224}""");
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), """{"image_processor_type": "ViTImageProcessor"}""");

        var config = TensorModelConfig.Read(folder);

        Assert.Equal(["cat", "LABEL_1", "dog"], config.Labels);
        Assert.Equal(3, config.LabelCount);
        Assert.Equal(2, config.LabelIds["dog"]);
        Assert.Equal("multi_label_classification", config.ProblemType);
        Assert.Equal(["ViTForImageClassification"], config.Architectures);
        Assert.Equal(224, config.Raw.GetProperty("image_size").GetInt32());
        Assert.Equal("ViTImageProcessor", config.RequirePreprocessor(folder).GetProperty("image_processor_type").GetString());
    }

    [Theory]
    [InlineData("{\"model_type\": ", "config.json is not valid JSON")]
    [InlineData("[1, 2]", "config.json is not a JSON object")]
    [InlineData("{\"id2label\": {\"x\": \"cat\"}}", "id2label has the key 'x'")]
    [InlineData("{\"num_labels\": -3}", "num_labels is -3")]
    public void Read_MalformedConfig_IsBadInputNamingTheFile(string json, string expected)
    {
        var folder = Folder("malformed");
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), "{}");

        var error = Assert.Throws<EngineException>(() => TensorModelConfig.Read(folder));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "config.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedPreprocessor_IsBadInputNamingTheFile()
    {
        var folder = Folder("bad-preprocessor");
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), "\"resize\"");

        var error = Assert.Throws<EngineException>(() => TensorModelConfig.Read(folder));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("preprocessor_config.json is not a JSON object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFiles_AreBadInputNamingThem()
    {
        var folder = Folder("missing");
        var noConfig = Assert.Throws<EngineException>(() => TensorModelConfig.Read(folder));
        Assert.Equal(EngineErrorKind.BadInput, noConfig.Kind);
        Assert.Contains("has no config.json", noConfig.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        var config = TensorModelConfig.Read(folder);
        Assert.Null(config.Preprocessor);
        var noPreprocessor = Assert.Throws<EngineException>(() => config.RequirePreprocessor(folder));
        Assert.Equal(EngineErrorKind.BadInput, noPreprocessor.Kind);
        Assert.Contains("has no preprocessor_config.json", noPreprocessor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeOrDeepFiles_AreRefusedBeforeParsing()
    {
        var folder = Folder("huge");
        using (var stream = File.Create(Path.Combine(folder, "config.json")))
        {
            stream.SetLength(TensorModelConfig.MaxFileBytes + 1);
        }

        var huge = Assert.Throws<EngineException>(() => TensorModelConfig.Read(folder));
        Assert.Equal(EngineErrorKind.BadInput, huge.Kind);
        Assert.Contains($"a configuration file may have at most {TensorModelConfig.MaxFileBytes}", huge.Message, StringComparison.Ordinal);

        var deep = new StringBuilder().Append('[', 10_000).Append(']', 10_000).ToString();
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"a\": " + deep + "}");
        var tooDeep = Assert.Throws<EngineException>(() => TensorModelConfig.Read(folder));
        Assert.Equal(EngineErrorKind.BadInput, tooDeep.Kind);
        Assert.Contains("config.json is not valid JSON", tooDeep.Message, StringComparison.Ordinal);
    }
}
