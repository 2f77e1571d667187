using System.ClientModel;
using System.Text.Json;
using Bytez.Testing;
using Json.Schema;
using OpenAI;
using OpenAI.Chat;

namespace Bytez.Conformance;

/// <summary>
/// Structured output through the official OpenAI clients, unchanged: chat completions with a strict JSON schema
/// <c>response_format</c> (NuGet <c>OpenAI</c> 2.15.0's <see cref="ChatResponseFormat.CreateJsonSchemaFormat"/>, npm
/// <c>openai</c>'s <c>chat.completions.create</c> and its parsing helper <c>chat.completions.parse</c>) on random-weight
/// models: the schema is enforced while decoding, so the answer parses and validates (JsonSchema.Net) all the same.
/// </summary>
public sealed class OpenAiStructuredOutputConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private const string Schema = """
        {"type": "object",
         "properties": {"city": {"type": "string", "maxLength": 12}, "capital": {"type": "boolean"}, "size": {"type": "string", "enum": ["small", "large"]}},
         "required": ["city", "capital", "size"], "additionalProperties": false}
        """;

    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private TestServer Server => fixture.Generation.Server;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Asserts that <paramref name="text"/> is one JSON document valid against <see cref="Schema"/>, and returns it.</summary>
    internal static JsonElement AssertValid(string? text, string schema = Schema)
    {
        Assert.False(string.IsNullOrEmpty(text));
        var value = JsonDocument.Parse(text).RootElement.Clone();
        var result = JsonSchema.FromText(schema).Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{text} does not validate: {JsonSerializer.Serialize(result)}");
        return value;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task DotNetSdk_JsonSchemaStrict_AnswerValidatesAgainstTheSchema(string model)
    {
        var chat = new OpenAIClient(
                new ApiKeyCredential(TestServer.Key),
                new OpenAIClientOptions { Endpoint = new Uri(Server.BaseAddress, "v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) })
            .GetChatClient(model);
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("city", BinaryData.FromString(Schema), jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 200,
            Temperature = 0,
        };

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Describe a city as JSON.")], options, Token);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        var answer = AssertValid(completion.Content[0].Text);
        Assert.Contains(answer.GetProperty("size").GetString(), new[] { "small", "large" });
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_JsonSchemaStrict_CreateAndParseGiveAValidAnswer(string model)
    {
        var body = new
        {
            model,
            messages = new[] { new { role = "user", content = "Describe a city as JSON." } },
            max_tokens = 200,
            temperature = 0,
            response_format = new { type = "json_schema", json_schema = new { name = "city", strict = true, schema = JsonDocument.Parse(Schema).RootElement } },
        };

        var created = await OfficialJsClient.CallOpenAiAsync(Server, "chat", body);
        Assert.False(created.TryGetProperty("thrown", out var thrown), thrown.ToString());
        var choice = created.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        AssertValid(choice.GetProperty("message").GetProperty("content").GetString());

        // The client's parsing helper reads the same answer into message.parsed.
        var parsed = await OfficialJsClient.CallOpenAiAsync(Server, "chatParse", body);
        Assert.False(parsed.TryGetProperty("thrown", out thrown), thrown.ToString());
        var message = parsed.GetProperty("choices")[0].GetProperty("message");
        var value = AssertValid(message.GetProperty("content").GetString());
        Assert.Equal(JsonSerializer.Serialize(value), JsonSerializer.Serialize(message.GetProperty("parsed")));
    }
}
