using System.Text.Json;
using Bytez.Engine;
using Bytez.Server.Apis.OpenAi;

namespace Bytez.Server.Tests.OpenAi;

/// <summary><c>reasoning_effort</c> on chat completions: the chat template's thinking switch.</summary>
public sealed class OpenAiSamplingReasoningTests
{
    [Theory]
    [InlineData("none", false)]
    [InlineData("minimal", false)]
    [InlineData("low", true)]
    [InlineData("high", true)]
    public void Read_ReasoningEffort_SetsEnableThinking(string effort, bool thinking)
    {
        var sampling = new OpenAiSampling(OpenAiEndpoint.ChatCompletions);
        using var body = JsonDocument.Parse($$"""{"reasoning_effort": "{{effort}}"}""");

        Assert.True(sampling.Read(body.RootElement.EnumerateObject().Single()));
        Assert.Contains($"\"enable_thinking\":{(thinking ? "true" : "false")}", sampling.ToParams().GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ReasoningEffortUnknown_BadInput()
    {
        var sampling = new OpenAiSampling(OpenAiEndpoint.ChatCompletions);
        using var body = JsonDocument.Parse("""{"reasoning_effort": "extreme"}""");

        var e = Assert.Throws<EngineException>(() => sampling.Read(body.RootElement.EnumerateObject().Single()));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }
}
