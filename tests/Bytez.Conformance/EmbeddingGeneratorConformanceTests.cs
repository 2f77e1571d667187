using Bytez.Testing;
using Microsoft.Extensions.AI;

namespace Bytez.Conformance;

/// <summary>
/// The SDK's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> against our server and its embedded models: the
/// vectors are the Bytez run route's, in one request or in batches, and the options reach the model.
/// </summary>
public sealed class EmbeddingGeneratorConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Theory]
    [InlineData(Models.MiniLm, 256)]
    [InlineData(Models.MiniLm, 2)]
    [InlineData(Models.ArcticXs, 1)]
    public async Task GenerateAsync_Sentences_EqualTheRunRoutesVectors(string modelId, int batchSize)
    {
        using var client = CreateClient();
        var model = client.Model(modelId);
        var generator = model.AsIEmbeddingGenerator(batchSize);

        var embeddings = await generator.GenerateAsync(Models.Sentences, cancellationToken: Ct);

        Assert.Equal(Models.Sentences.Length, embeddings.Count);
        for (var i = 0; i < Models.Sentences.Length; i++)
        {
            var route = (await model.RunAsync(Models.Sentences[i], cancellationToken: Ct)).GetEmbedding();
            Assert.Equal(384, embeddings[i].Dimensions);
            Assert.Equal(route, embeddings[i].Vector.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
            Assert.Equal(modelId, embeddings[i].ModelId);
        }
    }

    [Fact]
    public async Task GenerateAsync_MiniLm_MatchesThePublishedSimilarities()
    {
        using var client = CreateClient();
        var generator = client.Model(Models.MiniLm).AsIEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(Models.Sentences, cancellationToken: Ct);

        Assert.Equal(Models.PublishedSimilarity01, Models.Cosine(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray()), 3);
        Assert.Equal(Models.PublishedSimilarity02, Models.Cosine(embeddings[0].Vector.ToArray(), embeddings[2].Vector.ToArray()), 3);
    }

    [Fact]
    public async Task GenerateAsync_PromptNameProperty_IsTheRouteWithThatParameter()
    {
        using var client = CreateClient();
        var model = client.Model(Models.ArcticXs);
        var generator = model.AsIEmbeddingGenerator();

        var query = await generator.GenerateVectorAsync(
            "what is snowflake?", new EmbeddingGenerationOptions { AdditionalProperties = new() { ["prompt_name"] = "query" } }, Ct);
        var plain = await generator.GenerateVectorAsync("what is snowflake?", cancellationToken: Ct);
        var route = (await model.RunAsync("what is snowflake?", new Protocol.ModelParameters { PromptName = "query" }, Ct)).GetEmbedding();

        Assert.Equal(route, query.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.True(Models.Cosine(plain.ToArray(), query.ToArray()) < 0.999);
    }

    [Fact]
    public async Task GenerateAsync_UnknownParameterOrDimensions_AreRefused()
    {
        using var client = CreateClient();
        var generator = client.Model(Models.MiniLm).AsIEmbeddingGenerator();

        var badParameter = await Assert.ThrowsAsync<BytezException>(() => generator.GenerateAsync(
            ["a"], new EmbeddingGenerationOptions { AdditionalProperties = new() { ["pooling"] = "max" } }, Ct));
        var dimensions = await Assert.ThrowsAsync<NotSupportedException>(() => generator.GenerateAsync(
            ["a"], new EmbeddingGenerationOptions { Dimensions = 128 }, Ct));

        Assert.Equal(400, (int?)badParameter.StatusCode);
        Assert.Contains("384", dimensions.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetService_Metadata_NamesTheServerAndModel()
    {
        using var client = CreateClient();
        var generator = client.Model(Models.MiniLm).AsIEmbeddingGenerator();

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;

        Assert.Equal("bytez", metadata.ProviderName);
        Assert.Equal(fixture.Server.ApiBase, metadata.ProviderUri);
        Assert.Equal(Models.MiniLm, metadata.DefaultModelId);
        await Task.CompletedTask;
    }
}
