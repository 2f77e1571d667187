using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Tasks;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// <c>tool_choice</c> "required" or a named function on a model with Qwen 2.5's real chat template (Hermes-style
/// calls): the answer is decoded under a grammar, so even the tiny random decoder always answers with a call of an
/// offered tool whose arguments validate against its parameters.
/// </summary>
[Collection(GenerationLoopCollection.Name)]
public sealed class ForcedToolCallTests : IDisposable
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
           "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer"}}, "required": ["city"], "additionalProperties": false}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
           "properties": {"zone": {"enum": ["UTC", "CET"]}}, "required": ["zone"], "additionalProperties": false}}}]
        """;

    private readonly OnnxDecoderTestFolder _folder = new();
    private readonly OnnxDecoderInstance _model;
    private readonly GenerationPipeline _pipeline = new();

    public ForcedToolCallTests()
    {
        var written = _folder.Write("qwen-template", new OnnxDecoderModelOptions { ContextLength = 2048 });
        var configPath = Path.Combine(written.Folder, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["chat_template"] = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Generation", "Templates", "qwen2.5-7b-instruct.jinja"));
        File.WriteAllText(configPath, config.ToJsonString());
        _model = OnnxDecoderLoader.Load(
            OnnxDecoderTestFolder.Descriptor(written.Folder), OnnxDecoderTestFolder.RuntimeOptions, OnnxDecoderOptions.Default, CancellationToken.None);
    }

    public void Dispose()
    {
        _model.Dispose();
        _folder.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RunAsync_NamedToolChoice_AlwaysCallsThatToolWithValidArguments(int seed)
    {
        var output = await Chat("""{"type": "function", "function": {"name": "get_weather"}}""", seed);

        var call = Assert.Single(output.ToolCalls);
        Assert.Equal("get_weather", call.Name);
        var arguments = JsonDocument.Parse(call.Arguments).RootElement;
        Assert.Equal(JsonValueKind.String, arguments.GetProperty("city").ValueKind);
        Assert.True(arguments.GetProperty("city").GetString()!.EnumerateRunes().Count() <= 12, call.Arguments); // maxLength counts code points
        Assert.All(arguments.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "city", "days" }));
        if (arguments.TryGetProperty("days", out var days))
        {
            Assert.True(days.TryGetInt64(out _), days.GetRawText());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RunAsync_RequiredToolChoice_CallsOneOfTheOfferedTools(int seed)
    {
        var output = await Chat("\"required\"", seed);

        var call = Assert.Single(output.ToolCalls);
        var arguments = JsonDocument.Parse(call.Arguments).RootElement;
        if (call.Name == "get_time")
        {
            Assert.Contains(arguments.GetProperty("zone").GetString(), new[] { "UTC", "CET" });
        }
        else
        {
            Assert.Equal("get_weather", call.Name);
            Assert.Equal(JsonValueKind.String, arguments.GetProperty("city").ValueKind);
        }
    }

    [Fact]
    public async Task RunAsync_ForcedToolChoiceWithResponseFormat_BadInput()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(_model, Request("\"required\"", 1, """, "response_format": {"type": "json_object"}"""), TestContext.Current.CancellationToken));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    private async Task<ChatOutput> Chat(string toolChoice, int seed) =>
        Assert.IsType<ChatOutput>(await _pipeline.RunAsync(_model, Request(toolChoice, seed), TestContext.Current.CancellationToken));

    private static RunRequest Request(string toolChoice, int seed, string extra = "") => new()
    {
        Input = JsonDocument.Parse("""[{"role": "user", "content": "Weather in Paris?"}]""").RootElement,
        Params = JsonDocument.Parse($$"""{"max_new_tokens": 120, "do_sample": true, "seed": {{seed}}, "tools": {{Tools}}, "tool_choice": {{toolChoice}}{{extra}}}""").RootElement,
    };
}
