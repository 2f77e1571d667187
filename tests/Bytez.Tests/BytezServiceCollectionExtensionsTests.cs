using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Tests;

/// <summary>AddBytezClient and the keyed Microsoft.Extensions.AI registrations, resolved from a real service provider.</summary>
public sealed class BytezServiceCollectionExtensionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IConfiguration Configuration(string baseAddress = "http://bytez.test/models/v2/") => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bytez:ApiKey"] = "configured-key",
            ["Bytez:BaseAddress"] = baseAddress,
            ["Bytez:Timeout"] = "00:02:30",
        })
        .Build();

    [Fact]
    public async Task AddBytezClient_FromConfiguration_BindsTheOptionsAndSendsThroughTheFactorysHandler()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":["chat"]}""");
        var services = new ServiceCollection();
        services.AddBytezClient(Configuration().GetSection("Bytez")).ConfigurePrimaryHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<BytezClient>();
        var tasks = await client.List.TasksAsync(Ct);

        Assert.Equal(new Uri("http://bytez.test/models/v2/"), client.BaseAddress);
        Assert.Equal(TimeSpan.FromSeconds(150), client.Timeout);
        Assert.Equal(["chat"], tasks.Output);
        Assert.Equal("Key configured-key", handler.Single.Header("Authorization"));
        Assert.Equal("http://bytez.test/models/v2/list/tasks", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public void AddBytezClient_BadBaseAddress_ThrowsNamingTheKeyWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddBytezClient(Configuration("not a url").GetSection("Bytez"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<BytezClient>());

        Assert.Contains("BaseAddress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBytezChatClient_KeyedByModel_PipelineFromTheBuilder_FirstIsTheUnkeyedDefault()
    {
        var handler = FakeHandler.Json(Golden.ChatAnswer);
        var services = new ServiceCollection();
        services.AddBytezClient(o => { o.ApiKey = "k"; o.BaseAddress = TestClients.BaseAddress; }).ConfigurePrimaryHttpMessageHandler(() => handler);
        services.AddBytezChatClient("org/first").UseFunctionInvocation();
        services.AddBytezChatClient("org/second");
        await using var provider = services.BuildServiceProvider();

        var first = provider.GetRequiredKeyedService<IChatClient>("org/first");
        var second = provider.GetRequiredKeyedService<IChatClient>("org/second");
        var unkeyed = provider.GetRequiredService<IChatClient>();

        Assert.NotNull(first.GetService<FunctionInvokingChatClient>());
        Assert.Null(second.GetService<FunctionInvokingChatClient>());
        Assert.Same(first, unkeyed);
        Assert.Equal("org/first", first.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Equal("org/second", second.GetService<ChatClientMetadata>()!.DefaultModelId);
        await second.GetResponseAsync("hi", cancellationToken: Ct);
        Assert.Equal("http://bytez.test/models/v2/openai/v1/chat/completions", handler.Single.Uri.AbsoluteUri);
        Assert.Contains("\"model\":\"org/second\"", handler.Single.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBytezEmbeddingGeneratorAndSpeechToTextClient_KeyedByModel()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":[0.5,0.25]}""");
        var services = new ServiceCollection();
        services.AddBytezClient(o => { o.ApiKey = "k"; o.BaseAddress = TestClients.BaseAddress; }).ConfigurePrimaryHttpMessageHandler(() => handler);
        services.AddBytezEmbeddingGenerator("org/embed", maxBatchSize: 8);
        services.AddBytezSpeechToTextClient("org/whisper");
        await using var provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("org/embed");
        var speech = provider.GetRequiredKeyedService<ISpeechToTextClient>("org/whisper");

        Assert.Same(generator, provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Same(speech, provider.GetRequiredService<ISpeechToTextClient>());
        var vector = await generator.GenerateVectorAsync("a", cancellationToken: Ct);
        Assert.Equal([0.5f, 0.25f], vector.ToArray());
        Assert.Equal("org/whisper", speech.GetService<SpeechToTextClientMetadata>()!.DefaultModelId);
        Assert.Equal("http://bytez.test/models/v2/org/embed", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public void AddBytezChatClient_NoModelId_Throws()
    {
        var services = new ServiceCollection();

        Assert.ThrowsAny<ArgumentException>(() => services.AddBytezChatClient(" "));
        Assert.Throws<ArgumentNullException>(() => BytezServiceCollectionExtensions.AddBytezClient(null!));
    }

    private static class Golden
    {
        public static string ChatAnswer => BytezChatClientTests.Golden("chat-response-tool-call.json");
    }
}
