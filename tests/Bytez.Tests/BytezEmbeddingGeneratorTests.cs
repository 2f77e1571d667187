using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Bytez.Tests;

/// <summary>The embedding generator's requests on the Bytez run route and its reading of the answers.</summary>
public sealed class BytezEmbeddingGeneratorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Answers each request with one vector [i, i+0.5] per text it carries, numbered across requests.</summary>
    private static FakeHandler Vectors()
    {
        var next = 0;
        return new(async (request, ct) =>
        {
            var input = JsonNode.Parse(await request.Content!.ReadAsStringAsync(ct))!["input"]!;
            string Row() { var i = next++; return $"[{i},{i}.5]"; }
            var output = input is JsonArray texts ? "[" + string.Join(",", texts.Select(_ => Row())) + "]" : Row();
            return FakeHandler.JsonResponse($$"""{"error":null,"output":{{output}}}""");
        });
    }

    [Fact]
    public async Task GenerateAsync_FiveTextsBatchesOfTwo_SendsThreeRequestsInOrder()
    {
        var handler = Vectors();
        var generator = TestClients.Create(handler).Model("org/embed").AsIEmbeddingGenerator(maxBatchSize: 2);

        var embeddings = await generator.GenerateAsync(["a", "b", "c", "d", "e"], cancellationToken: Ct);

        Assert.Equal([0f, 1f, 2f, 3f, 4f], embeddings.Select(e => e.Vector.Span[0]));
        Assert.All(embeddings, e => Assert.Equal("org/embed", e.ModelId));
        Assert.Null(embeddings.Usage);
        Assert.Equal(
            ["""{"input":["a","b"]}""", """{"input":["c","d"]}""", """{"input":"e"}"""],
            handler.Requests.Select(r => r.Body));
        Assert.All(handler.Requests, r => Assert.Equal("http://bytez.test/models/v2/org/embed", r.Uri.AbsoluteUri));
        Assert.All(handler.Requests, r => Assert.Equal("Key " + TestClients.Key, r.Header("Authorization")));
    }

    [Fact]
    public async Task GenerateAsync_AdditionalPropertiesAndModelId_AreParamsAndTheModel()
    {
        var handler = Vectors();
        var generator = TestClients.Create(handler).Model("org/embed").AsIEmbeddingGenerator();

        var embedding = await generator.GenerateAsync("what is snowflake?", new EmbeddingGenerationOptions
        {
            ModelId = "Snowflake/snowflake-arctic-embed-xs",
            AdditionalProperties = new() { ["prompt_name"] = "query", ["normalize"] = false },
        }, Ct);

        Assert.Equal("Snowflake/snowflake-arctic-embed-xs", embedding.ModelId);
        Assert.Equal("http://bytez.test/models/v2/Snowflake/snowflake-arctic-embed-xs", handler.Single.Uri.AbsoluteUri);
        BytezChatClientTests.AssertJsonEqual("""{"input":"what is snowflake?","params":{"prompt_name":"query","normalize":false}}""", handler.Single.Body!);
    }

    [Fact]
    public async Task GenerateAsync_DimensionsOfTheModel_Pass_OthersAreRefused()
    {
        var generator = TestClients.Create(Vectors()).Model("org/embed").AsIEmbeddingGenerator();

        var same = await generator.GenerateAsync(["a"], new EmbeddingGenerationOptions { Dimensions = 2 }, Ct);
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => generator.GenerateAsync(["a"], new EmbeddingGenerationOptions { Dimensions = 1 }, Ct));

        Assert.Equal(2, same[0].Dimensions);
        Assert.Contains("gives 2 dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_FewerRowsThanTexts_Throws()
    {
        var generator = TestClients.Create(FakeHandler.Json("""{"error":null,"output":[[1,2]]}""")).Model("org/embed").AsIEmbeddingGenerator();

        var error = await Assert.ThrowsAsync<BytezException>(() => generator.GenerateAsync(["a", "b"], cancellationToken: Ct));

        Assert.Contains("Expected 2 embeddings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateAsync_ApiError_ThrowsWithStatus_AndNoValuesSendNothing()
    {
        var handler = FakeHandler.Json("""{"error":"Model does not exist","output":null}""", HttpStatusCode.NotFound);
        var generator = TestClients.Create(handler).Model("org/embed").AsIEmbeddingGenerator();

        var empty = await generator.GenerateAsync([], cancellationToken: Ct);
        Assert.Empty(handler.Requests);
        var error = await Assert.ThrowsAsync<BytezException>(() => generator.GenerateAsync(["a"], cancellationToken: Ct));

        Assert.Empty(empty);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Conformance_NullArguments_Cancellation_AndMetadata()
    {
        var client = TestClients.Create(TestClients.Hanging());
        var model = client.Model("org/embed");
        var generator = model.AsIEmbeddingGenerator();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAsync<ArgumentNullException>(() => generator.GenerateAsync((IEnumerable<string>)null!, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync([null!], cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(["a"], cancellationToken: cancel.Token));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AsIEmbeddingGenerator(0));
        Assert.Throws<ArgumentNullException>(() => generator.GetService(null!));

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal("bytez", metadata!.ProviderName);
        Assert.Equal("org/embed", metadata.DefaultModelId);
        Assert.Equal(TestClients.BaseAddress, metadata.ProviderUri);
        Assert.Same(model, generator.GetService<BytezModel>());
        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(generator.GetService<EmbeddingGeneratorMetadata>("key"));
    }
}
