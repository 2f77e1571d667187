using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The official Anthropic .NET SDK (NuGet <c>Anthropic</c>, unchanged, with its response validation on; this SDK
/// version has no <c>temperature</c>, so the models decode as their generation_config says, greedily) against our
/// server's <c>/v1/messages</c>: a plain and a streamed answer, a forced tool call then its result, count_tokens, and
/// a wrong key refused with Anthropic's error.
/// </summary>
public sealed class AnthropicSdkConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private static readonly Tool Weather = new()
    {
        Name = "get_weather",
        Description = "The weather in a city.",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement> { ["city"] = JsonSerializer.SerializeToElement(new { type = "string", maxLength = 20 }) },
            Required = ["city"],
        },
    };

    private AnthropicClient Client(string key = TestServer.Key) => new(new ClientOptions
    {
        ApiKey = key,
        BaseUrl = fixture.Generation.Server.BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
        ResponseValidation = true,
    });

    private static MessageCreateParams Hello(string model, long maxTokens = 6) => new()
    {
        Model = model,
        MaxTokens = maxTokens,
        System = "Be brief.",
        Messages = [new UserMessageParam("Hello")],
    };

    [Theory]
    [InlineData(GenerationServer.GgufModel)]
    [InlineData(GenerationServer.OnnxModel)]
    public async Task Create_Plain_ReadsTheMessageAndStreamingAddsUpToIt(string model)
    {
        var client = Client();

        var message = await client.Messages.Create(Hello(model), TestContext.Current.CancellationToken);
        var streamed = new System.Text.StringBuilder();
        var types = new List<string>();
        StopReason? streamedStop = null;
        await foreach (var e in client.Messages.CreateStreaming(Hello(model), TestContext.Current.CancellationToken))
        {
            types.Add(e.Json.GetProperty("type").GetString()!);
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
            {
                streamed.Append(text.Text);
            }

            if (e.TryPickDelta(out var end))
            {
                streamedStop = end.Delta.StopReason?.Value();
            }
        }

        Assert.StartsWith("msg_", message.ID, StringComparison.Ordinal);
        Assert.Equal(model, message.Model.Raw());
        var block = Assert.Single(message.Content);
        Assert.True(block.TryPickText(out var answer));
        Assert.False(string.IsNullOrEmpty(answer!.Text));
        Assert.Contains(message.StopReason!.Value(), new[] { StopReason.MaxTokens, StopReason.EndTurn });
        Assert.True(message.Usage.InputTokens > 3);
        Assert.InRange(message.Usage.OutputTokens, 1, 6);
        Assert.Equal(answer.Text, streamed.ToString());
        Assert.Equal(message.StopReason.Value(), streamedStop);
        Assert.Equal("message_start", types[0]);
        Assert.Equal("message_stop", types[^1]);
    }

    [Fact]
    public async Task Create_ForcedToolThenResult_ReadsTheToolUseBlockAndAnswersTheNextTurn()
    {
        var client = Client();
        MessageParam question = new UserMessageParam("Weather in Paris?");
        var first = await client.Messages.Create(
            new MessageCreateParams
            {
                Model = GenerationServer.ToolsModel,
                MaxTokens = 400,
                Tools = [Weather],
                ToolChoice = new ToolChoiceTool("get_weather"),
                Messages = [question],
            },
            TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.ToolUse, first.StopReason!.Value());
        var call = Assert.Single(first.Content.Select(b => b.TryPickToolUse(out var use) ? use : null).OfType<ToolUseBlock>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(["city"], call.Input.Keys);
        Assert.Equal(JsonValueKind.String, call.Input["city"].ValueKind);

        var next = await client.Messages.Create(
            new MessageCreateParams
            {
                Model = GenerationServer.ToolsModel,
                MaxTokens = 4,
                        Tools = [Weather],
                Messages =
                [
                    question,
                    new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = call.ID, Name = call.Name, Input = call.Input } }),
                    new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(call.ID) { Content = "sunny" } }),
                ],
            },
            TestContext.Current.CancellationToken);
        var count = await client.Messages.CountTokens(
            new MessageCountTokensParams
            {
                Model = GenerationServer.ToolsModel,
                Tools = [Weather],
                Messages =
                [
                    question,
                    new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = call.ID, Name = call.Name, Input = call.Input } }),
                    new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(call.ID) { Content = "sunny" } }),
                ],
            },
            TestContext.Current.CancellationToken);

        Assert.True(next.Usage.InputTokens > first.Usage.InputTokens);
        Assert.Equal(next.Usage.InputTokens, count.InputTokens);
    }

    [Fact]
    public async Task Create_WrongKey_ThrowsWithAnthropicsAuthenticationError()
    {
        var e = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(
            () => Client("wrong-key").Messages.Create(Hello(GenerationServer.OnnxModel), TestContext.Current.CancellationToken));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Equal("authentication_error", e.Type?.Raw());
        Assert.Equal("Unauthorized", e.ApiMessage);
        Assert.StartsWith("req_", e.RequestID, StringComparison.Ordinal);
    }
}
