using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Apis.Tei;

/// <summary>
/// TEI's <c>POST /embed</c> on the embedded MiniLM: <c>[[floats]]</c> equal to the Bytez route's vectors with
/// <c>normalize</c> (TEI's default true), a string or a list; <c>truncate</c> false (TEI's default) refuses a text
/// longer than the model takes, true cuts it.
/// </summary>
public sealed class TeiEmbedApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    private HttpClient Client() => fixture.Server.CreateHttpClient();

    private async Task<List<float[]>> BytezAsync(HttpClient client, string[] texts, bool normalize)
    {
        var (status, body, _) = await PostAsync(client, MiniLm, JsonSerializer.Serialize(new { input = texts, @params = new { normalize } }));
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. AssertOutput(body).EnumerateArray().Select(Vector)];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Embed_List_EqualTheBytezRoutesVectors(bool normalize)
    {
        using var client = Client();
        string[] texts = ["Hello world", "The cat sat on the mat."];
        var expected = await BytezAsync(client, texts, normalize);

        var (status, body, _) = await PostAsync(client, "/embed", JsonSerializer.Serialize(new { model = MiniLm, inputs = texts, normalize }));

        Assert.Equal(HttpStatusCode.OK, status);
        var vectors = body.EnumerateArray().Select(Vector).ToList();
        Assert.Equal(expected.Count, vectors.Count);
        for (var i = 0; i < vectors.Count; i++)
        {
            Assert.Equal(expected[i], vectors[i]);
        }
    }

    [Fact]
    public async Task Embed_OneStringDefaultNormalize_OneUnitVector()
    {
        using var client = Client();
        var expected = await BytezAsync(client, ["Hello world"], normalize: true);

        var (status, body, _) = await PostAsync(client, "/embed", """{"model": "sentence-transformers/all-MiniLM-L6-v2", "inputs": "Hello world"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetArrayLength());
        var vector = Vector(body[0]);
        Assert.Equal(expected[0], vector);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public async Task Embed_LongTextTruncate_FalseRefusedTrueCut()
    {
        using var client = Client();
        var text = string.Join(' ', Enumerable.Repeat("word", 700));

        var (refused, refusedBody, _) = await PostAsync(client, "/embed", JsonSerializer.Serialize(new { model = MiniLm, inputs = text }));
        var (cut, cutBody, _) = await PostAsync(client, "/embed", JsonSerializer.Serialize(new { model = MiniLm, inputs = text, truncate = true }));

        Assert.True((int)refused is >= 400 and < 500, $"expected a 4xx, got {refused}");
        Assert.Equal("validation", refusedBody.GetProperty("error_type").GetString());
        Assert.Equal(HttpStatusCode.OK, cut);
        Assert.Equal(1, cutBody.GetArrayLength());
    }

    [Fact]
    public async Task Embed_NotAnEmbeddingModelOrBadInputs_TeiErrors()
    {
        using var client = Client();

        var (status, body, _) = await PostAsync(client, "/embed", """{"model": "sentence-transformers/all-MiniLM-L6-v2", "inputs": [1, 2]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'inputs'", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("validation", body.GetProperty("error_type").GetString());
    }
}
