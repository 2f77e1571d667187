using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>
/// <c>POST embeddings</c> on the real server with the embedded MiniLM and arctic models: the vectors equal the Bytez
/// route's bit for bit (as JSON numbers and as base64 float32), usage counts the tokens fed, errors in OpenAI's object.
/// </summary>
public sealed class OpenAiEmbeddingsApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string Arctic = "Snowflake/snowflake-arctic-embed-xs";

    public static TheoryData<string> Bases => new() { "v1/", "models/v2/openai/v1/" };

    public static TheoryData<string> Models => new() { MiniLm, Arctic };

    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + TestServer.Key);
        return client;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<List<JsonElement>> BytezVectorsAsync(HttpClient client, string model, string[] texts)
    {
        var (status, body) = await PostAsync(client, $"models/v2/{model}", JsonSerializer.Serialize(new { input = texts }));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("output").EnumerateArray().ToList();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Embeddings_Float_EqualTheBytezRoutesVectorsBitForBit(string model)
    {
        using var client = Client();
        string[] texts = ["Hello world", "The cat sat on the mat.", "Bytez serves models."];
        var bytez = await BytezVectorsAsync(client, model, texts);

        var (status, body) = await PostAsync(client, "v1/embeddings", JsonSerializer.Serialize(new { model, input = texts, encoding_format = "float" }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal(model, body.GetProperty("model").GetString());
        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(texts.Length, data.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal("embedding", data[i].GetProperty("object").GetString());
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            var ours = data[i].GetProperty("embedding").EnumerateArray().Select(x => x.GetRawText()).ToList();
            Assert.Equal(bytez[i].EnumerateArray().Select(x => x.GetRawText()), ours);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Embeddings_Base64_IsTheLittleEndianFloat32BytesOfTheBytezVectors(string model)
    {
        using var client = Client();
        string[] texts = ["Hello world", "Another sentence to embed."];
        var bytez = await BytezVectorsAsync(client, model, texts);

        var (status, body) = await PostAsync(client, "models/v2/openai/v1/embeddings", JsonSerializer.Serialize(new { model, input = texts, encoding_format = "base64" }));

        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data").EnumerateArray().ToList();
        for (var i = 0; i < texts.Length; i++)
        {
            var bytes = Convert.FromBase64String(data[i].GetProperty("embedding").GetString()!);
            var floats = Enumerable.Range(0, bytes.Length / 4).Select(k => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(k * 4))).ToList();
            Assert.Equal(bytez[i].EnumerateArray().Select(x => BitConverter.SingleToInt32Bits(x.GetSingle())), floats);
        }
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Embeddings_OneString_OneVectorAndTrueTokenCount(string root)
    {
        using var client = Client();

        var (status, body) = await PostAsync(client, root + "embeddings", $$"""{"model": "{{MiniLm}}", "input": "Hello world"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var vector = Assert.Single(body.GetProperty("data").EnumerateArray()).GetProperty("embedding");
        Assert.Equal(384, vector.GetArrayLength());
        // [CLS] hello world [SEP]
        Assert.Equal(4, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_TwoTexts_UsageSumsTheirTokens()
    {
        using var client = Client();

        var (_, body) = await PostAsync(client, "v1/embeddings", $$"""{"model": "{{MiniLm}}", "input": ["Hello world", "hello"]}""");

        Assert.Equal(4 + 3, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_DimensionsOfTheModelsWidth_Accepted_OtherWidth400()
    {
        using var client = Client();

        var (ok, _) = await PostAsync(client, "v1/embeddings", $$"""{"model": "{{MiniLm}}", "input": "hi", "dimensions": 384}""");
        var (status, body) = await PostAsync(client, "v1/embeddings", $$"""{"model": "{{MiniLm}}", "input": "hi", "dimensions": 128}""");

        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Matryoshka", Error(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model": "nobody/nothing", "input": "hi"}""", HttpStatusCode.NotFound, "nobody/nothing")]
    [InlineData("""{"model": "microsoft/dnn-image-featurizer-resnet18", "input": "hi"}""", HttpStatusCode.BadRequest, "image-feature-extraction")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "encoding_format": "int8"}""", HttpStatusCode.BadRequest, "encoding_format")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [101, 30522, 102]}""", HttpStatusCode.BadRequest, "vocabulary of 30522")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [[101, 102], [101, -1, 102]]}""", HttpStatusCode.BadRequest, "id -1")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [[101, 102], []]}""", HttpStatusCode.BadRequest, "empty list of token ids")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [101, 1.5]}""", HttpStatusCode.BadRequest, "integer token ids")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [101, "hello"]}""", HttpStatusCode.BadRequest, "all items of one kind")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": [[101, "x"]]}""", HttpStatusCode.BadRequest, "all items of one kind")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "dimensions": 0}""", HttpStatusCode.BadRequest, "positive integer")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "dimensions": 385}""", HttpStatusCode.BadRequest, "at most 384")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": 5}""", HttpStatusCode.BadRequest, "'input'")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2"}""", HttpStatusCode.BadRequest, "'input'")]
    [InlineData("""{"input": "hi"}""", HttpStatusCode.BadRequest, "'model'")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": []}""", HttpStatusCode.BadRequest, "non-empty")]
    [InlineData("""[1, 2]""", HttpStatusCode.BadRequest, "JSON object")]
    public async Task Embeddings_BadRequest_OpenAisErrorObject(string json, HttpStatusCode expected, string mentions)
    {
        using var client = Client();

        var (status, body) = await PostAsync(client, "v1/embeddings", json);

        Assert.Equal(expected, status);
        Assert.Contains(mentions, Error(body), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Embeddings_TokenIds_EqualTheBytezRoutesVectorsOfTheirText(string root)
    {
        using var client = Client();
        var bytez = await BytezVectorsAsync(client, MiniLm, ["Hello world", "hello"]);

        // The tokenizer's whole encodings: [CLS] hello world [SEP] and [CLS] hello [SEP].
        var (status, body) = await PostAsync(client, root + "embeddings", $$"""{"model": "{{MiniLm}}", "input": [[101, 7592, 2088, 102], [101, 7592, 102]]}""");
        var (single, one) = await PostAsync(client, root + "embeddings", $$"""{"model": "{{MiniLm}}", "input": [101, 7592, 2088, 102]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            Assert.Equal(bytez[i].EnumerateArray().Select(x => x.GetRawText()), data[i].GetProperty("embedding").EnumerateArray().Select(x => x.GetRawText()));
        }

        Assert.Equal(4 + 3, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.OK, single);
        var vector = Assert.Single(one.GetProperty("data").EnumerateArray()).GetProperty("embedding");
        Assert.Equal(bytez[0].EnumerateArray().Select(x => x.GetRawText()), vector.EnumerateArray().Select(x => x.GetRawText()));
        Assert.Equal(4, one.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_TokenIdsWithoutSpecialTokens_FedAsGiven_DifferFromTheText()
    {
        using var client = Client();
        var bytez = await BytezVectorsAsync(client, MiniLm, ["Hello world"]);

        var (status, body) = await PostAsync(client, "v1/embeddings", $$"""{"model": "{{MiniLm}}", "input": [7592, 2088]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var vector = Assert.Single(body.GetProperty("data").EnumerateArray()).GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var text = bytez[0].EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Assert.Equal(384, vector.Length);
        Assert.NotEqual(text, vector); // no [CLS]/[SEP] were added
        Assert.Equal(1, Math.Sqrt(vector.Sum(x => (double)x * x)), 4); // still pooled and normalized as the model prescribes
        Assert.Equal(2, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_TokenIdsLongerThanTheModelTakes_400SaysTheLimit()
    {
        using var client = Client();
        var ids = Enumerable.Repeat(7592, 257).ToArray();

        var (status, body) = await PostAsync(client, "v1/embeddings", JsonSerializer.Serialize(new { model = MiniLm, input = new[] { ids } }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("257 ids", Error(body), StringComparison.Ordinal);
        Assert.Contains("1 to 256", Error(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_TooManyTokenLists_413()
    {
        using var client = Client();
        var lists = Enumerable.Repeat(new[] { 101, 102 }, 257).ToArray();

        var (status, body) = await PostAsync(client, "v1/embeddings", JsonSerializer.Serialize(new { model = MiniLm, input = lists }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("256", Error(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_TooManyTexts_413()
    {
        using var client = Client();
        var texts = Enumerable.Repeat("x", 257).ToArray();

        var (status, body) = await PostAsync(client, "v1/embeddings", JsonSerializer.Serialize(new { model = MiniLm, input = texts }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("256", Error(body), StringComparison.Ordinal);
    }

    /// <summary>The message of OpenAI's error object, checking its shape.</summary>
    internal static string Error(JsonElement body)
    {
        var error = body.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error.GetProperty("message").GetString()!;
    }
}
