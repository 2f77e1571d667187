using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>
/// <c>dimensions</c> of <c>POST embeddings</c> on copies of the real MiniLM that declare Matryoshka widths
/// (<see cref="MatryoshkaServer"/>): a shorter width is the full vector's first numbers scaled to unit length again,
/// equal to the Bytez route's <c>dimensions</c> parameter; listed widths only when the model lists them; never more
/// than the model's width.
/// </summary>
public sealed class OpenAiEmbeddingsDimensionsTests(OpenAiEmbeddingsDimensionsTests.Fixture fixture) : IClassFixture<OpenAiEmbeddingsDimensionsTests.Fixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body)
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Server.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + TestServer.Key);
        using var response = await client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"), Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    private static float[] Vector(JsonElement data) => data.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();

    [Theory]
    [InlineData(MatryoshkaServer.ListedModel, 128)]
    [InlineData(MatryoshkaServer.CardModel, 100)]
    public async Task Embeddings_MatryoshkaWidth_TheFullVectorsFirstNumbersRenormalized(string model, int width)
    {
        string[] texts = ["Hello world", "The cat sat on the mat."];
        var (_, full) = await PostAsync("v1/embeddings", new { model, input = texts });

        var (status, body) = await PostAsync("v1/embeddings", new { model, input = texts, dimensions = width });

        Assert.Equal(HttpStatusCode.OK, status);
        var fullData = full.GetProperty("data").EnumerateArray().ToList();
        var data = body.GetProperty("data").EnumerateArray().ToList();
        for (var i = 0; i < texts.Length; i++)
        {
            var whole = Vector(fullData[i]);
            var shortened = Vector(data[i]);
            Assert.Equal(width, shortened.Length);
            Assert.Equal(1, Math.Sqrt(shortened.Sum(x => (double)x * x)), 5);
            var norm = Math.Sqrt(whole.Take(width).Sum(x => (double)x * x));
            for (var k = 0; k < width; k++)
            {
                Assert.Equal(whole[k] / norm, shortened[k], 5);
            }
        }

        Assert.Equal(full.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_Dimensions_EqualTheBytezRoutesDimensionsParameterBitForBit()
    {
        string[] texts = ["Hello world", "Bytez serves models."];
        var (bytezStatus, bytez) = await PostAsync($"models/v2/{MatryoshkaServer.ListedModel}", new { input = texts, @params = new { dimensions = 64 } });

        var (status, body) = await PostAsync("models/v2/openai/v1/embeddings", new { model = MatryoshkaServer.ListedModel, input = texts, dimensions = 64 });

        Assert.Equal(HttpStatusCode.OK, bytezStatus);
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = bytez.GetProperty("output").EnumerateArray().ToList();
        var data = body.GetProperty("data").EnumerateArray().ToList();
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i].EnumerateArray().Select(x => x.GetRawText()), data[i].GetProperty("embedding").EnumerateArray().Select(x => x.GetRawText()));
        }
    }

    [Fact]
    public async Task Embeddings_TokenIdsWithDimensions_EqualTheTextsShortenedVector()
    {
        var (_, text) = await PostAsync("v1/embeddings", new { model = MatryoshkaServer.CardModel, input = "Hello world", dimensions = 32 });

        var (status, ids) = await PostAsync("v1/embeddings", new { model = MatryoshkaServer.CardModel, input = new[] { 101, 7592, 2088, 102 }, dimensions = 32 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Vector(text.GetProperty("data")[0]), Vector(ids.GetProperty("data")[0]));
    }

    [Theory]
    [InlineData(MatryoshkaServer.ListedModel, 100, "256, 384, 64, 128")]
    [InlineData(MatryoshkaServer.ListedModel, 512, "at most 384")]
    [InlineData(MatryoshkaServer.CardModel, 385, "at most 384")]
    public async Task Embeddings_WidthTheModelDoesNotAllow_400SaysWhich(string model, int width, string mentions)
    {
        var (status, body) = await PostAsync("v1/embeddings", new { model, input = "hi", dimensions = width });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = OpenAiEmbeddingsApiTests.Error(body);
        foreach (var part in mentions.Split(", "))
        {
            Assert.Contains(part, message, StringComparison.Ordinal);
        }
    }

    /// <summary>One <see cref="MatryoshkaServer"/> for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        /// <summary>The server.</summary>
        public MatryoshkaServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => Server = await MatryoshkaServer.StartAsync();

        /// <inheritdoc />
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
