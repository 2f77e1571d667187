using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary>
/// <c>response_format</c> end to end through <see cref="GenerationPipeline"/> on real runtimes: the tiny GGUF model in
/// llama.cpp and the tiny ONNX decoder in ONNX Runtime, sampling with several seeds; the output always parses and validates.
/// </summary>
public sealed class ConstrainedGenerationTests(ConstraintModelsFixture models) : IClassFixture<ConstraintModelsFixture>
{
    private const string Schema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":6},
          "age":{"type":"integer"},
          "role":{"enum":["admin","user"]},
          "tags":{"type":"array","items":{"type":"string","maxLength":3},"maxItems":2},
          "ok":{"type":["boolean","null"]}},
         "required":["name","age","role"],"additionalProperties":false}
        """;

    private readonly GenerationPipeline _pipeline = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("gguf", 1)]
    [InlineData("gguf", 2)]
    [InlineData("gguf", 3)]
    [InlineData("onnx", 1)]
    [InlineData("onnx", 2)]
    [InlineData("onnx", 3)]
    public async Task RunAsync_JsonSchema_OutputParsesAndValidates(string runtime, int seed)
    {
        var body = "{\"input\": \"Describe a user:\", \"params\": {\"do_sample\": true, \"seed\": " + seed
            + ", \"max_new_tokens\": 1500, \"return_full_text\": false, \"response_format\": " + Format(strict: true) + "}}";

        var output = await _pipeline.RunAsync(Model(runtime), Request(body), Ct);

        var text = Assert.IsType<TextOutput>(output).Text;
        Assert.True(SchemaOracle.Valid(Schema, text), $"Not valid: {text}");
    }

    [Theory]
    [InlineData("gguf", 4)]
    [InlineData("onnx", 4)]
    public async Task RunAsync_JsonObjectInChat_OutputIsAnObject(string runtime, int seed)
    {
        var body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Give me JSON\"}], \"params\": {\"do_sample\": true, \"seed\": " + seed
            + ", \"top_k\": 0, \"max_new_tokens\": 1500, \"response_format\": {\"type\": \"json_object\"}}}";

        var output = await _pipeline.RunAsync(Model(runtime), Request(body), Ct);

        var content = Assert.IsType<ChatOutput>(output).Content;
        Assert.True(SchemaOracle.Valid(null, content), $"Not an object: {content}");
    }

    [Fact]
    public async Task RunAsync_Greedy_SameAnswerTwice()
    {
        var body = "{\"input\": \"Describe a user:\", \"params\": {\"max_new_tokens\": 1500, \"return_full_text\": false, \"response_format\": "
            + Format(strict: false) + "}}";

        var a = Assert.IsType<TextOutput>(await _pipeline.RunAsync(models.Onnx, Request(body), Ct)).Text;
        var b = Assert.IsType<TextOutput>(await _pipeline.RunAsync(models.Onnx, Request(body), Ct)).Text;

        Assert.Equal(a, b);
        Assert.True(SchemaOracle.Valid(Schema, a), a);
    }

    [Theory]
    [InlineData("""{"type": "xml"}""", "\"xml\"")]
    [InlineData("""{"type": "json_schema"}""", "json_schema")]
    [InlineData("""{"type": "json_schema", "json_schema": {"schema": {}}}""", "name")]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "string", "pattern": "a"}}}""", "`pattern`")]
    [InlineData("""{"type": "json_object", "extra": 1}""", "extra")]
    [InlineData("\"json\"", "type")]
    public async Task RunAsync_BadResponseFormat_BadInput(string format, string mention)
    {
        var body = "{\"input\": \"Hi\", \"params\": {\"response_format\": " + format + "}}";

        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(models.Onnx, Request(body), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TextFormat_Unconstrained()
    {
        var plain = """{"input": "Hello", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}""";
        var text = """{"input": "Hello", "params": {"max_new_tokens": 8, "min_new_tokens": 8, "response_format": {"type": "text"}}}""";

        var a = Assert.IsType<TextOutput>(await _pipeline.RunAsync(models.Onnx, Request(plain), Ct)).Text;
        var b = Assert.IsType<TextOutput>(await _pipeline.RunAsync(models.Onnx, Request(text), Ct)).Text;

        Assert.Equal(a, b);
    }

    private static string Format(bool strict) =>
        "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"user\", \"schema\": " + Schema + ", \"strict\": " + (strict ? "true" : "false") + "}}";

    private IGenerativeInstance Model(string runtime) => runtime == "gguf" ? models.Gguf : models.Onnx;

    private static RunRequest Request(string json) => JsonSerializer.Deserialize<RunRequest>(json)!;
}
