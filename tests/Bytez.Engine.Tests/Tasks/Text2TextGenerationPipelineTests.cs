using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>The contract of <see cref="Text2TextGenerationPipeline"/> (runs are tested through the server: Text2TextGenerationApiTests).</summary>
public sealed class Text2TextGenerationPipelineTests
{
    [Fact]
    public void Contract_ServesTheThreeTasks() =>
        Assert.Equal(
            [BytezTasks.Text2TextGeneration, BytezTasks.Summarization, BytezTasks.Translation],
            Text2TextGenerationPipeline.Declared.Tasks);

    /// <summary>Every generation parameter the settings read is declared, except text generation's own and the refused stop strings.</summary>
    [Fact]
    public void Contract_DeclaresEveryGenerateParameterTheSettingsRead()
    {
        string[] textGenerationOnly = ["return_full_text", "enable_thinking", "stop", "stop_strings", "response_format"];

        Assert.Equal(
            GenerationSettings.Supported.Except(textGenerationOnly).Order(StringComparer.Ordinal),
            Text2TextGenerationPipeline.Declared.ParameterNames.Except(["src_lang", "tgt_lang"]).Order(StringComparer.Ordinal));
    }
}
