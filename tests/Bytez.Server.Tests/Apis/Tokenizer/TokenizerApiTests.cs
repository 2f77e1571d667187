using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Apis.Tokenizer;

/// <summary>
/// The tokenizer utilities under <c>/models/v2/utils/</c> on the tiny ONNX decoders (a byte-level BPE
/// <c>tokenizer.json</c> with ChatML markers; one template offers tools) and the tiny GGUF model (llama.cpp's
/// tokenizer). Ids and token strings are checked against Hugging Face's transformers.js tokenizer and templates
/// against its <c>apply_chat_template</c> (@huggingface/jinja); counts against the prompt tokens the generation
/// routes report for the same request.
/// </summary>
public sealed class TokenizerApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private static readonly string[] Texts = ["Hello world", "  leading spaces and\ttabs\nlines", "héllo wörld 😀 中文", "Hi<|im_end|>\n<|im_start|>user", ""];

    private HttpClient Client() => fixture.Generation.Server.CreateHttpClient();

    private string OnnxRoot => Path.GetDirectoryName(fixture.Generation.Onnx.Folder)!;

    private static string ToolsTools => """[{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]""";

    private static async Task<JsonElement> OkAsync(HttpClient client, string path, string json)
    {
        var (status, body, _) = await PostAsync(client, path, json);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {status} {body}");
        return AssertOutput(body);
    }

    [Fact]
    public async Task Tokenize_Texts_IdsAndTokensEqualTransformersJs()
    {
        using var client = Client();
        var requests = Texts.SelectMany(t => new[] { true, false }.Select(special =>
            new TransformersJsRequest("tokenize", "tiny-onnx", new JsonObject { ["text"] = t, ["add_special_tokens"] = special }))).ToList();
        var oracle = await TransformersJs.RunAsync(OnnxRoot, requests, TestContext.Current.CancellationToken);

        for (var i = 0; i < requests.Count; i++)
        {
            var input = requests[i].Input!;
            var output = await OkAsync(client, "utils/tokenize", JsonSerializer.Serialize(new
            {
                model = GenerationServer.OnnxModel, text = (string)input["text"]!, add_special_tokens = (bool)input["add_special_tokens"]!, return_tokens = true,
            }));
            var expected = oracle[i].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToList();
            Assert.Equal(expected, output.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(expected.Count, output.GetProperty("count").GetInt32());
            Assert.Equal(
                oracle[i].GetProperty("tokens").EnumerateArray().Select(e => e.GetString()),
                output.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(expected.Count, output.GetProperty("pieces").GetArrayLength());
            Assert.Equal(512, output.GetProperty("max_model_len").GetInt32());

            var text = await OkAsync(client, "utils/detokenize", JsonSerializer.Serialize(new { model = GenerationServer.OnnxModel, ids = expected }));
            Assert.Equal(oracle[i].GetProperty("decoded").GetString(), text.GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task Tokenize_WithoutReturnTokens_IdsAndCountOnly()
    {
        using var client = Client();

        var output = await OkAsync(client, "utils/tokenize", $$"""{"model": "{{GenerationServer.OnnxModel}}", "text": "Hello world"}""");

        Assert.Equal(["count", "ids", "max_model_len"], output.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ApplyTemplate_ToolsAndGenerationPrompt_EqualsTransformersJs(bool addGenerationPrompt)
    {
        using var client = Client();
        const string Messages = """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}]""";
        var oracle = await TransformersJs.RunAsync(OnnxRoot, [new TransformersJsRequest("apply-chat-template", "tiny-tools", new JsonObject
        {
            ["messages"] = JsonNode.Parse(Messages), ["tools"] = JsonNode.Parse(ToolsTools), ["add_generation_prompt"] = addGenerationPrompt,
        })], TestContext.Current.CancellationToken);

        var output = await OkAsync(client, "utils/apply-template",
            $$"""{"model": "{{GenerationServer.ToolsModel}}", "messages": {{Messages}}, "tools": {{ToolsTools}}, "add_generation_prompt": {{(addGenerationPrompt ? "true" : "false")}}}""");

        Assert.Equal(oracle[0].GetString(), output.GetProperty("prompt").GetString());
        Assert.Contains("get_weather", output.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Equal(addGenerationPrompt, output.GetProperty("prompt").GetString()!.EndsWith("<|im_start|>assistant\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApplyTemplate_Chatml_TheKnownPrompt()
    {
        using var client = Client();

        var output = await OkAsync(client, "utils/apply-template", $$"""{"model": "{{GenerationServer.OnnxModel}}", "messages": [{"role": "user", "content": "Hi"}]}""");

        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", output.GetProperty("prompt").GetString());
    }

    [Theory]
    [InlineData(GenerationServer.OnnxModel)]
    [InlineData(GenerationServer.GgufModel)]
    public async Task TokenizeMessages_TheTemplatesTokensWithThePrompt(string model)
    {
        using var client = Client();
        const string Messages = """[{"role": "user", "content": "Hello there"}]""";
        var prompt = (await OkAsync(client, "utils/apply-template", $$"""{"model": "{{model}}", "messages": {{Messages}}}""")).GetProperty("prompt").GetString()!;
        var text = await OkAsync(client, "utils/tokenize", JsonSerializer.Serialize(new { model, text = prompt, add_special_tokens = false }));

        var chat = await OkAsync(client, "utils/tokenize", $$"""{"model": "{{model}}", "messages": {{Messages}}}""");

        Assert.Equal(prompt, chat.GetProperty("prompt").GetString());
        Assert.Equal(text.GetProperty("ids").ToString(), chat.GetProperty("ids").ToString());
    }

    [Theory]
    [InlineData(GenerationServer.ToolsModel, true)]
    [InlineData(GenerationServer.OnnxModel, false)]
    [InlineData(GenerationServer.GgufModel, false)]
    public async Task CountTokens_AChatRequest_ThePromptTokensTheChatRouteReports(string model, bool tools)
    {
        using var client = Client();
        var chat = $$"""{"model": "{{model}}", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}]{{(tools ? ", \"tools\": " + ToolsTools : string.Empty)}}, "max_tokens": 1}""";
        var (status, completion, _) = await PostAsync(client, "/v1/chat/completions", chat);
        Assert.Equal(HttpStatusCode.OK, status);

        var output = await OkAsync(client, "utils/count-tokens", chat);

        Assert.Equal(completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), output.GetProperty("count").GetInt32());
        Assert.True(output.GetProperty("max_model_len").GetInt32() > 0);
    }

    [Fact]
    public async Task Tokenize_GgufText_CountIsTheCompletionRoutesPromptTokensAndRoundTrips()
    {
        using var client = Client();
        const string Prompt = "Once upon a time";
        var (status, completion, _) = await PostAsync(client, "/v1/completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "prompt": "{{Prompt}}", "max_tokens": 1}""");
        Assert.Equal(HttpStatusCode.OK, status);

        var output = await OkAsync(client, "utils/tokenize", $$"""{"model": "{{GenerationServer.GgufModel}}", "text": "{{Prompt}}", "return_tokens": true}""");
        var ids = output.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var text = await OkAsync(client, "utils/detokenize", JsonSerializer.Serialize(new { model = GenerationServer.GgufModel, ids, skip_special_tokens = true }));

        Assert.Equal(completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), ids.Length);
        Assert.Equal(Prompt, text.GetProperty("text").GetString()!.TrimStart());
        Assert.EndsWith(Prompt, string.Concat(output.GetProperty("pieces").EnumerateArray().Select(p => p.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detokenize_SkipSpecialTokens_LeavesTheMarkersOut()
    {
        using var client = Client();
        var onnx = fixture.Generation.Onnx;
        var ids = (await OkAsync(client, "utils/tokenize", $$"""{"model": "{{GenerationServer.OnnxModel}}", "text": "<|im_start|>Hi<|im_end|>"}""")).GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(onnx.ImStartId, ids[0]);
        Assert.Equal(onnx.ImEndId, ids[^1]);

        var kept = await OkAsync(client, "utils/detokenize", JsonSerializer.Serialize(new { model = GenerationServer.OnnxModel, ids }));
        var skipped = await OkAsync(client, "utils/detokenize", JsonSerializer.Serialize(new { model = GenerationServer.OnnxModel, ids, skip_special_tokens = true }));

        Assert.Equal("<|im_start|>Hi<|im_end|>", kept.GetProperty("text").GetString());
        Assert.Equal("Hi", skipped.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("utils/detokenize", """{"model": "local/tiny-onnx", "ids": [5, 100000]}""", HttpStatusCode.BadRequest, "100000")]
    [InlineData("utils/detokenize", """{"model": "local/tiny-gguf", "ids": [-1]}""", HttpStatusCode.BadRequest, "-1")]
    [InlineData("utils/detokenize", """{"model": "local/tiny-onnx", "ids": [1.5]}""", HttpStatusCode.BadRequest, "'ids[0]'")]
    [InlineData("utils/detokenize", """{"model": "local/tiny-onnx", "ids": "12"}""", HttpStatusCode.BadRequest, "'ids'")]
    [InlineData("utils/tokenize", """{"model": "local/tiny-onnx", "text": "a", "messages": [{"role": "user", "content": "b"}]}""", HttpStatusCode.BadRequest, "either")]
    [InlineData("utils/tokenize", """{"model": "local/tiny-onnx"}""", HttpStatusCode.BadRequest, "either")]
    [InlineData("utils/tokenize", """{"text": "a"}""", HttpStatusCode.BadRequest, "'model'")]
    [InlineData("utils/tokenize", """{"model": "nobody/nothing", "text": "a"}""", HttpStatusCode.NotFound, "nobody/nothing")]
    [InlineData("utils/apply-template", """{"model": "local/tiny-onnx", "messages": []}""", HttpStatusCode.BadRequest, "messages")]
    [InlineData("utils/apply-template", """{"model": "local/tiny-onnx", "messages": [{"content": "no role"}]}""", HttpStatusCode.BadRequest, "messages[0]")]
    [InlineData("utils/apply-template", """{"model": "local/tiny-onnx", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]}""", HttpStatusCode.BadRequest, "tools")]
    [InlineData("utils/count-tokens", """{"model": "local/tiny-onnx"}""", HttpStatusCode.BadRequest, "'messages'")]
    public async Task Utilities_BadInput_EnvelopeNamingWhatIsWrong(string path, string json, HttpStatusCode expected, string named)
    {
        using var client = Client();

        var (status, body, _) = await PostAsync(client, path, json);

        Assert.Equal(expected, status);
        Assert.Contains(named, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_MoreTokensThanAllowed_413()
    {
        using var client = Client();
        var text = new string('x', 40_000); // one token per character: more than the 32 768 allowed

        var (status, body, _) = await PostAsync(client, "utils/tokenize", JsonSerializer.Serialize(new { model = GenerationServer.OnnxModel, text }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxInputTokens", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }
}
