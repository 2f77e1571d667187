using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Generation;

/// <summary><see cref="GenerationPipeline"/> (text-generation and chat) on the tiny ONNX decoder with its ChatML template.</summary>
[Collection(GenerationLoopCollection.Name)]
public sealed class GenerationPipelineTests(TinyDecoderFixture fixture)
{
    private const string ExpectedChatPrompt = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n";

    private readonly GenerationPipeline _pipeline = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGenerativeInstance Model => fixture.Instance;

    [Fact]
    public void Tasks_Pipeline_ServesTextGenerationAndChat() =>
        Assert.Equal([BytezTasks.TextGeneration, BytezTasks.Chat], _pipeline.Contract.Tasks);

    [Fact]
    public void Contract_DeclaresEveryParameterGenerationSettingsReads() =>
        Assert.Equal(GenerationSettings.Supported, _pipeline.Contract.ParameterNames);

    [Fact]
    public async Task RunAsync_TextByDefault_ReturnsPromptPlusGenerated()
    {
        var generated = await Generate("Hello world", addSpecialTokens: true, Greedy(8));

        var output = await _pipeline.RunAsync(Model, Request("""{"input": "Hello world", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}"""), Ct);

        Assert.Equal("Hello world" + generated, Assert.IsType<TextOutput>(output).Text);
        Assert.NotEqual(string.Empty, generated);
    }

    [Fact]
    public async Task RunAsync_ReturnFullTextFalse_ReturnsOnlyGenerated()
    {
        var generated = await Generate("Hello world", addSpecialTokens: true, Greedy(8));

        var output = await _pipeline.RunAsync(
            Model, Request("""{"text": "Hello world", "params": {"max_new_tokens": 8, "min_new_tokens": 8, "return_full_text": false}}"""), Ct);

        Assert.Equal(generated, Assert.IsType<TextOutput>(output).Text);
    }

    [Fact]
    public async Task RunAsync_InputObjectWithText_SameAsString()
    {
        var a = await _pipeline.RunAsync(Model, Request("""{"input": {"text": "Hello"}, "params": {"max_new_tokens": 5}}"""), Ct);
        var b = await _pipeline.RunAsync(Model, Request("""{"input": "Hello", "params": {"max_new_tokens": 5}}"""), Ct);

        Assert.Equal(Assert.IsType<TextOutput>(b).Text, Assert.IsType<TextOutput>(a).Text);
    }

    [Theory]
    [InlineData("""{"input": "Hello world", "params": {"do_sample": true, "seed": 11, "max_new_tokens": 16}}""")]
    [InlineData("""{"input": "Hello world", "params": {"do_sample": true, "seed": 12, "max_new_tokens": 16, "min_new_tokens": 16, "return_full_text": false}}""")]
    [InlineData("""{"input": "Hello world", "params": {"max_new_tokens": 16, "stop": ["e"]}}""")]
    public async Task StartStreamAsync_TextMode_ConcatenationEqualsRunAsync(string body)
    {
        var run = await _pipeline.RunAsync(Model, Request(body), Ct);
        var streamed = await Stream(body);

        Assert.Equal(Assert.IsType<TextOutput>(run).Text, streamed);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public async Task StartStreamAsync_ChatMode_ConcatenationEqualsRunAsyncContent(int seed)
    {
        var body = $$$"""{"messages": [{"role": "user", "content": "Hi there"}], "params": {"do_sample": true, "seed": {{{seed}}}, "max_new_tokens": 16, "min_new_tokens": 16}}""";

        var run = await _pipeline.RunAsync(Model, Request(body), Ct);
        var streamed = await Stream(body);

        Assert.Equal(Assert.IsType<ChatOutput>(run).Content, streamed);
    }

    [Fact]
    public void Render_ChatMLTemplate_RendersTheConversationWithTheGenerationPrompt()
    {
        var rendered = ChatPrompt.Render(Model, [new("system", "Be brief."), new("user", "Hi there")], enableThinking: null, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ExpectedChatPrompt, rendered);
    }

    [Fact]
    public async Task RunAsync_Messages_ChatOutputOfTheGenerationAfterTheRenderedPrompt()
    {
        var generated = await Generate(ExpectedChatPrompt, addSpecialTokens: false, Greedy(10));

        var output = await _pipeline.RunAsync(Model, Request("""
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}],
             "params": {"max_new_tokens": 10, "min_new_tokens": 10}}
            """), Ct);

        var chat = Assert.IsType<ChatOutput>(output);
        Assert.Equal(generated, chat.Content);
        Assert.DoesNotContain("<|im_start|>", chat.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_RenderedChatPrompt_UsesTheChatMarkersAsSpecialTokens()
    {
        var ids = Model.Tokenizer.Encode(ExpectedChatPrompt, addSpecialTokens: false);

        Assert.Equal(fixture.Written.ImStartId, ids[0]);
        Assert.Equal(3, ids.Count(id => id == fixture.Written.ImStartId));
        Assert.Equal(2, ids.Count(id => id == fixture.Written.ImEndId));
    }

    [Fact]
    public async Task RunAsync_InputAsMessageList_SameAsMessages()
    {
        var a = await _pipeline.RunAsync(Model, Request("""{"input": [{"role": "user", "content": "Hi there"}], "params": {"max_new_tokens": 6, "min_new_tokens": 6}}"""), Ct);
        var b = await _pipeline.RunAsync(Model, Request("""{"messages": [{"role": "user", "content": "Hi there"}], "params": {"max_new_tokens": 6, "min_new_tokens": 6}}"""), Ct);

        Assert.Equal(Assert.IsType<ChatOutput>(b).Content, Assert.IsType<ChatOutput>(a).Content);
    }

    [Fact]
    public async Task RunAsync_TextBlocks_JoinedWithNewlines()
    {
        var blocks = await _pipeline.RunAsync(Model, Request("""
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}],
             "params": {"max_new_tokens": 6, "min_new_tokens": 6}}
            """), Ct);
        var joined = await Generate("<|im_start|>user\nHi\nthere<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false, Greedy(6));

        Assert.Equal(joined, Assert.IsType<ChatOutput>(blocks).Content);
        using var content = JsonDocument.Parse("""[{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]""");
        Assert.Equal("Hi\nthere", ChatPromptMessage.From("user", content.RootElement, 0).Content);
    }

    [Fact]
    public async Task RunAsync_ImageBlock_NotSupportedNamingIt()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request("""
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image", "url": "https://example.com/a.png"}]}]}
            """), Ct));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NumReturnSequencesThreeWithSampling_ListOfThree()
    {
        var output = await _pipeline.RunAsync(
            Model, Request("""{"input": "Hello", "params": {"do_sample": true, "seed": 3, "num_return_sequences": 3, "max_new_tokens": 12, "min_new_tokens": 12}}"""), Ct);

        var items = Assert.IsType<ListOutput>(output).Items;
        Assert.Equal(3, items.Count);
        var texts = items.Select(i => Assert.IsType<TextOutput>(i).Text).ToList();
        Assert.All(texts, t => Assert.StartsWith("Hello", t, StringComparison.Ordinal));
        Assert.Equal(3, texts.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task RunAsync_NumReturnSequencesInChat_ListOfChatOutputs()
    {
        var output = await _pipeline.RunAsync(
            Model, Request("""{"messages": [{"role": "user", "content": "Hi"}], "params": {"do_sample": true, "num_return_sequences": 2, "max_new_tokens": 4}}"""), Ct);

        Assert.All(Assert.IsType<ListOutput>(output).Items, i => Assert.IsType<ChatOutput>(i));
    }

    [Fact]
    public async Task StartStreamAsync_NumReturnSequencesAboveOne_BadInput()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.StartStreamAsync(
            Model, Request("""{"input": "Hello", "params": {"do_sample": true, "num_return_sequences": 2}}"""), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("num_return_sequences", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartStreamAsync_BadParams_ThrowsBeforeStreaming()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.StartStreamAsync(
            Model, Request("""{"input": "Hello", "params": {"top_p": 2}}"""), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task RunAsync_MessagesToAModelWithoutChatTemplate_RefusedSayingSo()
    {
        var model = fixture.WithoutTemplate;
        Assert.Null(model.ChatTemplate);

        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(
            model, Request("""{"messages": [{"role": "user", "content": "Hi"}]}"""), Ct));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("chat template", e.Message, StringComparison.Ordinal);
        var text = await _pipeline.RunAsync(model, Request("""{"input": "Hi", "params": {"max_new_tokens": 2}}"""), Ct);
        Assert.StartsWith("Hi", Assert.IsType<TextOutput>(text).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"input": 5}""")]
    [InlineData("""{"input": []}""")]
    [InlineData("""{"messages": []}""")]
    [InlineData("""{"input": [{"content": "no role"}]}""")]
    public async Task RunAsync_NoUsableInput_BadInput(string body)
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request(body), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task RunAsync_UnknownParam_BadInput()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request("""{"input": "Hi", "params": {"nonsense": 1}}"""), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task RunAsync_ToolsWithATemplateThatShowsNoCalls_NotSupportedNamingTheTemplate()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request("""
            {"input": [{"role": "user", "content": "Hi"}], "params": {"max_new_tokens": 2,
             "tools": [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}]}}
            """), Ct));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("does not show how the model calls tools", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ToolsWithATextToContinue_BadInput()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request("""
            {"input": "Hi", "params": {"tools": [{"type": "function", "function": {"name": "get_time"}}]}}
            """), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task RunAsync_MalformedTool_BadInputNamingTheField()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(Model, Request("""
            {"input": [{"role": "user", "content": "Hi"}], "params": {"tools": [{"type": "function", "function": {"name": "get time"}}]}}
            """), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.StartsWith("`tools[0].function.name` must be 1 to 64 letters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConversationWithAToolCallAndItsAnswer_RendersAndAnswers()
    {
        var output = await _pipeline.RunAsync(Model, Request("""
            {"input": [{"role": "user", "content": "Time?"},
                       {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
                       {"role": "tool", "tool_call_id": "c1", "content": "09:30"}],
             "params": {"max_new_tokens": 3, "min_new_tokens": 3}}
            """), Ct);

        var chat = Assert.IsType<ChatOutput>(output);
        Assert.NotEqual(string.Empty, chat.Content);
        Assert.Empty(chat.ToolCalls);
        Assert.Null(chat.ReasoningContent);
    }

    private static GenerationSettings Greedy(int n) => new() { MaxNewTokens = n, MinNewTokens = n };

    private async Task<string> Generate(string prompt, bool addSpecialTokens, GenerationSettings settings)
    {
        var ids = Model.Tokenizer.Encode(prompt, addSpecialTokens);
        return TextGeneratorTests.Text(await TextGeneratorTests.Collect(Model, ids, settings));
    }

    private async Task<string> Stream(string body)
    {
        var text = new StringBuilder();
        await foreach (var piece in await _pipeline.StartStreamAsync(Model, Request(body), Ct))
        {
            Assert.NotEqual(string.Empty, piece);
            text.Append(piece);
        }

        return text.ToString();
    }

    private static RunRequest Request(string json) => JsonSerializer.Deserialize<RunRequest>(json)!;
}
