using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Apis.Tokenizer;

/// <summary>
/// The peers' tokenizer paths on the tiny decoders: vLLM's and llama.cpp's <c>/tokenize</c> shapes (told apart by
/// <c>content</c>), <c>/detokenize</c> answering both peers' names, llama.cpp's <c>/apply-template</c>; the ids are
/// those of <c>/models/v2/utils/tokenize</c>, errors OpenAI-style as both peers answer.
/// </summary>
public sealed class TokenizerAliasesApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private HttpClient Client() => fixture.Generation.Server.CreateHttpClient();

    private async Task<(int[] Ids, string[] Tokens, string[] Pieces)> BytezAsync(HttpClient client, string model, string text, bool addSpecialTokens)
    {
        var (status, body, _) = await PostAsync(client, "utils/tokenize", JsonSerializer.Serialize(new { model, text, add_special_tokens = addSpecialTokens, return_tokens = true }));
        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        return (
            [.. output.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
            [.. output.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!)],
            [.. output.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!)]);
    }

    [Theory]
    [InlineData(GenerationServer.OnnxModel)]
    [InlineData(GenerationServer.GgufModel)]
    public async Task Tokenize_VllmPrompt_CountTokensAndTokenStrings(string model)
    {
        using var client = Client();
        var expected = await BytezAsync(client, model, "Hello world", addSpecialTokens: true);

        var (status, body, _) = await PostAsync(client, "/tokenize", JsonSerializer.Serialize(new { model, prompt = "Hello world", return_token_strs = true }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["count", "max_model_len", "tokens", "token_strs"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(expected.Ids.Length, body.GetProperty("count").GetInt32());
        Assert.Equal(expected.Ids, body.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(expected.Tokens, body.GetProperty("token_strs").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Tokenize_VllmMessages_NoSpecialTokensAddedAndNullTokenStrings()
    {
        using var client = Client();

        var (status, body, _) = await PostAsync(client, "/tokenize", $$"""{"model": "{{GenerationServer.OnnxModel}}", "messages": [{"role": "user", "content": "Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = await BytezAsync(client, GenerationServer.OnnxModel, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false);
        Assert.Equal(expected.Ids, body.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("token_strs").ValueKind);
    }

    [Theory]
    [InlineData(GenerationServer.OnnxModel)]
    [InlineData(GenerationServer.GgufModel)]
    public async Task Tokenize_LlamaCppContent_IdsOrPieces(string model)
    {
        using var client = Client();
        var expected = await BytezAsync(client, model, "Hello world", addSpecialTokens: false);

        var (plainStatus, plain, _) = await PostAsync(client, "/tokenize", JsonSerializer.Serialize(new { model, content = "Hello world" }));
        var (piecesStatus, pieces, _) = await PostAsync(client, "/tokenize", JsonSerializer.Serialize(new { model, content = "Hello world", with_pieces = true }));

        Assert.Equal(HttpStatusCode.OK, plainStatus);
        Assert.Equal(["tokens"], plain.EnumerateObject().Select(p => p.Name));
        Assert.Equal(expected.Ids, plain.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(HttpStatusCode.OK, piecesStatus);
        Assert.Equal(expected.Ids, pieces.GetProperty("tokens").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal(expected.Pieces, pieces.GetProperty("tokens").EnumerateArray().Select(e => e.GetProperty("piece").GetString()));
        Assert.EndsWith("Hello world", string.Concat(expected.Pieces), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detokenize_Tokens_PromptAndContent()
    {
        using var client = Client();
        var expected = await BytezAsync(client, GenerationServer.OnnxModel, "Hello world", addSpecialTokens: false);

        var (status, body, _) = await PostAsync(client, "/detokenize", JsonSerializer.Serialize(new { model = GenerationServer.OnnxModel, tokens = expected.Ids }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Hello world", body.GetProperty("prompt").GetString());
        Assert.Equal("Hello world", body.GetProperty("content").GetString());
    }

    [Fact]
    public async Task ApplyTemplate_LlamaCppMessages_Prompt()
    {
        using var client = Client();

        var (status, body, _) = await PostAsync(client, "/apply-template", $$"""{"model": "{{GenerationServer.GgufModel}}", "messages": [{"role": "user", "content": "Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["prompt"], body.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("Hi<|im_end|>\n<|im_start|>assistant\n", body.GetProperty("prompt").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/tokenize", """{"model": "local/tiny-onnx"}""", HttpStatusCode.BadRequest, "'prompt'")]
    [InlineData("/tokenize", """{"model": "local/tiny-onnx", "content": "a", "parse_special": false}""", HttpStatusCode.BadRequest, "parse_special")]
    [InlineData("/detokenize", """{"model": "local/tiny-onnx", "tokens": [999999]}""", HttpStatusCode.BadRequest, "999999")]
    [InlineData("/apply-template", """{"model": "nobody/nothing", "messages": [{"role": "user", "content": "Hi"}]}""", HttpStatusCode.NotFound, "nobody/nothing")]
    public async Task Aliases_Bad_OpenAiStyleError(string path, string json, HttpStatusCode expected, string named)
    {
        using var client = Client();

        var (status, body, _) = await PostAsync(client, path, json);

        Assert.Equal(expected, status);
        Assert.Contains(named, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aliases_NoKey_401()
    {
        using var client = fixture.Generation.Server.CreateHttpClient(authorization: null);

        var (status, _, _) = await PostAsync(client, "/tokenize", """{"model": "local/tiny-onnx", "prompt": "a"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}
