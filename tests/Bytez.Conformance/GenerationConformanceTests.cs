using System.Diagnostics;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>One server with the tiny generative models (GGUF and ONNX, added from local paths) per test class.</summary>
public sealed class GenerationFixture : IAsyncLifetime
{
    public GenerationServer Generation { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Generation = await GenerationServer.StartAsync();

    public ValueTask DisposeAsync() => Generation.DisposeAsync();
}

/// <summary>text-generation and chat, streamed and not, through the official bytez.js client and through our SDK.</summary>
public sealed class GenerationConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private TestServer Server => fixture.Generation.Server;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_Stream_ConcatenatesToTheNonStreamedText(string modelId)
    {
        var parameters = new { do_sample = true, seed = 21, max_new_tokens = 20, min_new_tokens = 20 };
        var whole = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = "Once upon a time", @params = parameters });
        var streamed = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = "Once upon a time", @params = parameters, stream = true });

        Assert.Equal(JsonValueKind.Null, whole.GetProperty("error").ValueKind);
        var chunks = streamed.GetProperty("chunks").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.NotEmpty(chunks);
        Assert.Equal(whole.GetProperty("output").GetString(), string.Concat(chunks));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_Chat_ReturnsTheAssistantMessage(string modelId)
    {
        var messages = new[] { new { role = "user", content = "Hello" } };
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = messages, @params = new { max_new_tokens = 8 } });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal("assistant", result.GetProperty("output").GetProperty("role").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_ChatStream_EqualsTheNonStreamedContent(string modelId)
    {
        var messages = new[] { new { role = "user", content = "Hello" } };
        var parameters = new { do_sample = true, seed = 4, max_new_tokens = 12, min_new_tokens = 12 };
        var whole = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = messages, @params = parameters });
        var streamed = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = messages, @params = parameters, stream = true });

        Assert.Equal(
            whole.GetProperty("output").GetProperty("content").GetString(),
            string.Concat(streamed.GetProperty("chunks").EnumerateArray().Select(c => c.GetString())));
    }

    [Fact]
    public async Task JsClient_BadParameter_GivesTheServersMessage()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = GenerationServer.OnnxModel, input = "Hi", @params = new { num_beams = 17 } });

        Assert.Contains("num_beams", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Sdk_StreamAndRun_AgreeForTextAndChat(string modelId)
    {
        using var client = CreateClient();
        var model = client.Model(modelId);
        var parameters = new ModelParameters { DoSample = true, Seed = 9, MaxNewTokens = 16, MinNewTokens = 16, ReturnFullText = false };
        var run = await model.RunAsync("In the beginning", parameters, TestContext.Current.CancellationToken);
        var pieces = new List<string>();
        await foreach (var piece in model.StreamAsync("In the beginning", parameters, TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        Assert.Equal(run.GetText(), string.Concat(pieces));

        IReadOnlyList<ChatMessage> chat = [new("user", "Hi")];
        var chatRun = await model.RunAsync(chat, parameters, TestContext.Current.CancellationToken);
        var chatPieces = new List<string>();
        await foreach (var piece in model.StreamAsync(chat, parameters, TestContext.Current.CancellationToken))
        {
            chatPieces.Add(piece);
        }

        Assert.Equal("assistant", chatRun.GetChatMessage().Role);
        Assert.Equal(chatRun.GetChatMessage().Text, string.Concat(chatPieces));
    }

    [Fact]
    public async Task Sdk_StreamAsync_YieldsPiecesAsTokensArrive()
    {
        using var client = CreateClient();
        var model = client.Model(GenerationServer.SlowGgufModel);
        var parameters = new ModelParameters { MaxNewTokens = 300, MinNewTokens = 300, ReturnFullText = false };
        var clock = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();
        await foreach (var _ in model.StreamAsync("Count", parameters, TestContext.Current.CancellationToken))
        {
            arrivals.Add(clock.Elapsed);
        }

        // Several pieces, the first long before the last: the SDK hands out text while the server generates. (How many
        // pieces is up to TCP: a reader that a loaded machine starves gets several tokens per read.)
        Assert.True(arrivals.Count > 1, $"{arrivals.Count} pieces");
        Assert.True(arrivals[0] < arrivals[^1] * 0.5, $"first piece at {arrivals[0].TotalMilliseconds:F0} ms, last at {arrivals[^1].TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Sdk_ListModels_ShowsTheLocalModels()
    {
        using var client = CreateClient();
        var result = await client.List.ModelsAsync(BytezTasks.Chat, TestContext.Current.CancellationToken);

        var ids = result.Output!.Select(m => m.ModelId).ToList();
        Assert.Contains(GenerationServer.GgufModel, ids);
        Assert.Contains(GenerationServer.OnnxModel, ids);
    }
}
