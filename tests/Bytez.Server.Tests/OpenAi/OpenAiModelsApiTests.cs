using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>The OpenAI-compatible model list and error object, under both bases.</summary>
public sealed class OpenAiModelsApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    public static TheoryData<string> Bases => new() { "v1/", "models/v2/openai/v1/" };

    private HttpClient Client(string? authorization = "Bearer " + TestServer.Key)
    {
        var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        return client;
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Models_WithBearerKey_ListsEveryCatalogModelInOpenAisShape(string root)
    {
        using var client = Client();
        using var response = await client.GetAsync(root + "models", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", body.GetProperty("object").GetString());
        var models = body.GetProperty("data").EnumerateArray().ToList();
        var bytez = await ListBytezModelsAsync();
        Assert.Equal(bytez.Order(StringComparer.Ordinal), models.Select(m => m.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        var miniLm = models.Single(m => m.GetProperty("id").GetString() == MiniLm);
        Assert.Equal("model", miniLm.GetProperty("object").GetString());
        Assert.Equal("sentence-transformers", miniLm.GetProperty("owned_by").GetString());
        Assert.True(miniLm.GetProperty("created").GetInt64() > 1_700_000_000);
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Model_ById_AnswersThatModel(string root)
    {
        using var client = Client();
        using var response = await client.GetAsync($"{root}models/{MiniLm}", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MiniLm, body.GetProperty("id").GetString());
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Model_Unknown_404InOpenAisErrorObject(string root)
    {
        using var client = Client();
        using var response = await client.GetAsync($"{root}models/nobody/nothing", TestContext.Current.CancellationToken);
        var error = AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nobody/nothing", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Models_WrongKey_401InOpenAisErrorObject(string root)
    {
        using var client = Client("Bearer not-the-key");
        using var response = await client.GetAsync(root + "models", TestContext.Current.CancellationToken);
        var error = AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task UnknownRoute_404InOpenAisErrorObject(string root)
    {
        using var client = Client();
        using var response = await client.PostAsync(root + "no/such/route", new StringContent("{}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var error = AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    /// <summary>Asserts OpenAI's error object (exactly its four fields) and returns its <c>error</c>.</summary>
    internal static JsonElement AssertOpenAiError(string json)
    {
        var body = JsonDocument.Parse(json).RootElement;
        Assert.Equal(["error"], body.EnumerateObject().Select(p => p.Name));
        var error = body.GetProperty("error");
        Assert.Equal(["code", "message", "param", "type"], error.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error;
    }

    private async Task<List<string>> ListBytezModelsAsync()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await Http.GetAsync(client, "list/models");
        return [.. Http.AssertOutput(body).EnumerateArray().Select(m => m.GetProperty("modelId").GetString()!)];
    }
}
