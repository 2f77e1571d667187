using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Tools;
using Bytez.Engine.Templating;
using Bytez.Engine.Tests.Generation.Templates;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// The real chat templates of the tool-calling families rendered with tools, tool calls and tool answers, against
/// Python's jinja2 run as transformers runs it.
/// </summary>
public sealed class ChatPromptToolsTests
{
    private const string Tools = """
        [
          {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city.",
            "parameters": {"type": "object", "properties": {
              "city": {"type": "string", "description": "The city, e.g. Paris"},
              "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "The unit."}},
              "required": ["city"]}}},
          {"type": "function", "function": {"name": "get_time", "description": "Get the local time.",
            "parameters": {"type": "object", "properties": {"timezone": {"type": "string", "description": "An IANA zone"}}, "required": ["timezone"]}}}
        ]
        """;

    /// <summary>A question, a call (content null, arguments as OpenAI's JSON string), its answer.</summary>
    private const string OneCall = """
        [
          {"role": "system", "content": "You are a weather bot."},
          {"role": "user", "content": "How warm is it in Paris?"},
          {"role": "assistant", "content": null, "tool_calls": [
            {"id": "abcDEF123", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}]},
          {"role": "tool", "tool_call_id": "abcDEF123", "name": "get_weather", "content": "22"}
        ]
        """;

    /// <summary>Two calls in one turn, answered in order, then the assistant's answer and a new question.</summary>
    private const string TwoCalls = """
        [
          {"role": "user", "content": "Weather and time in Tokyo?"},
          {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call00001", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Tokyo\"}"}},
            {"id": "call00002", "type": "function", "function": {"name": "get_time", "arguments": "{\"timezone\": \"Asia/Tokyo\"}"}}]},
          {"role": "tool", "tool_call_id": "call00001", "name": "get_weather", "content": "{\"temp\": 18, \"sky\": \"clear\"}"},
          {"role": "tool", "tool_call_id": "call00002", "name": "get_time", "content": "09:30"},
          {"role": "assistant", "content": "It is 18 °C and clear; the time is 09:30."},
          {"role": "user", "content": "Thanks!"}
        ]
        """;

    /// <summary>Only a question: the prompt of a first call.</summary>
    private const string Question = """
        [{"role": "user", "content": "What's the weather in Oslo?"}]
        """;

    /// <summary>A thinking model's earlier answer with its thinking in the content.</summary>
    private const string Thought = """
        [
          {"role": "user", "content": "Hi there."},
          {"role": "assistant", "content": "<think>\nThe user greets me.\n</think>\n\nHello!"},
          {"role": "user", "content": "Tell me a joke."}
        ]
        """;

    public static TheoryData<string, string, bool, string?> Cases => new()
    {
        { "llama-3.1-8b-instruct", nameof(OneCall), true, null },
        { "llama-3.1-8b-instruct", nameof(Question), true, null },
        { "llama-3.1-8b-instruct", nameof(TwoCalls), true, null },
        { "llama-3.1-8b-instruct", nameof(Thought), false, null },
        { "llama-3.2-3b-instruct", nameof(OneCall), true, null },
        { "llama-3.2-3b-instruct", nameof(Question), true, null },
        { "qwen2.5-7b-instruct", nameof(OneCall), true, null },
        { "qwen2.5-7b-instruct", nameof(TwoCalls), true, null },
        { "qwen2.5-7b-instruct", nameof(Question), true, null },
        { "qwen2.5-7b-instruct", nameof(TwoCalls), false, null },
        { "qwen3-0.6b", nameof(OneCall), true, null },
        { "qwen3-0.6b", nameof(TwoCalls), true, """{"enable_thinking": false}""" },
        { "qwen3-0.6b", nameof(Thought), false, """{"enable_thinking": true}""" },
        { "qwen3-4b-thinking-2507", nameof(OneCall), true, null },
        { "qwen3-4b-thinking-2507", nameof(Thought), true, null },
        { "mistral-7b-instruct-v0.3", nameof(OneCall), true, null },
        { "mistral-7b-instruct-v0.3", nameof(TwoCalls), true, null },
        { "mistral-7b-instruct-v0.3", nameof(Question), true, null },
        { "mistral-nemo-instruct-2407", nameof(OneCall), true, null },
        { "mistral-nemo-instruct-2407", nameof(TwoCalls), true, null },
        { "mistral-nemo-instruct-2407", nameof(Question), false, null },
        { "hermes-2-pro-llama-3-8b-tool-use", nameof(OneCall), true, null },
        { "hermes-2-pro-llama-3-8b-tool-use", nameof(TwoCalls), true, null },
        { "deepseek-r1", nameof(Thought), false, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_RealTemplateWithTools_EqualsJinja2(string template, string conversation, bool withTools, string? extraJson)
    {
        var source = JinjaReference.Template(template);
        var messagesJson = Conversation(conversation);
        var (bos, eos) = Tokens(template);
        var extra = extraJson is null ? null : JsonNode.Parse(extraJson)!.AsObject();
        var (expected, error) = JinjaReference.Render(source, JsonNode.Parse(messagesJson)!, withTools ? JsonNode.Parse(Tools) : null, bos, eos, extra);

        using var document = JsonDocument.Parse(messagesJson);
        var messages = document.RootElement.EnumerateArray().Select(ChatPromptMessage.FromJson).ToList();
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (withTools)
        {
            using var tools = JsonDocument.Parse(Tools);
            variables["tools"] = ChatPrompt.TemplateTools(ChatToolsReader.ReadTools(tools.RootElement));
        }

        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                variables[k] = v!.GetValue<bool>();
            }
        }

        var chat = ChatTemplate.Parse(source);
        var input = ChatPrompt.TemplateMessages(messages, ToolCallFormat.Detect(source));
        if (error is not null)
        {
            var e = Assert.Throws<TemplateException>(() => chat.Render(input, true, bos, eos, variables, cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(TemplateErrorKind.Raised, e.Kind);
            Assert.Equal(error, "TemplateError: " + e.Message);
            return;
        }

        Assert.Equal(expected, chat.Render(input, true, bos, eos, variables, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Render_ToolMessagesOfAllFamilies_AreRealConversations()
    {
        // The theory is only worth its cases if the references render tool calls (not an error or a skipped branch).
        var (text, error) = JinjaReference.Render(
            JinjaReference.Template("qwen2.5-7b-instruct"), JsonNode.Parse(OneCall)!, JsonNode.Parse(Tools), null, "<|im_end|>", null);
        Assert.Null(error);
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>", text, StringComparison.Ordinal);
        Assert.Contains("<tool_response>\n22\n</tool_response>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateMessages_MistralFormat_MapsLongIdsToNineCharactersConsistently()
    {
        ChatPromptMessage[] messages =
        [
            new("assistant", string.Empty) { ToolCalls = [new ChatToolCall("call_0123456789abcdefghijklmn", "get_time", "{}")] },
            new("tool", "09:30") { ToolCallId = "call_0123456789abcdefghijklmn" },
        ];
        var shaped = ChatPrompt.TemplateMessages(messages, ToolCallFormat.Mistral);
        var call = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)shaped[0]["tool_calls"]!)[0]!;
        var id = Assert.IsType<string>(call["id"]);
        Assert.Equal(9, id.Length);
        Assert.True(id.All(char.IsAsciiLetterOrDigit));
        Assert.Equal(id, shaped[1]["tool_call_id"]);
        Assert.Equal("call_0123456789abcdefghijklmn", ChatPrompt.TemplateMessages(messages, ToolCallFormat.Hermes)[1]["tool_call_id"]);
    }

    [Fact]
    public void TemplateMessages_ArgumentsNotJson_PassTheTextThrough()
    {
        var shaped = ChatPrompt.TemplateMessages([new("assistant", string.Empty) { ToolCalls = [new ChatToolCall("c", "f", "not json")] }]);
        var call = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)shaped[0]["tool_calls"]!)[0]!;
        Assert.Equal("not json", ((IReadOnlyDictionary<string, object?>)call["function"]!)["arguments"]);
    }

    [Fact]
    public void TemplateMessages_PlainMessage_HasNoToolKeys()
        => Assert.Equal(["role", "content"], ChatPrompt.TemplateMessages([new("user", "Hi")])[0].Keys);

    private static string Conversation(string name) => name switch
    {
        nameof(OneCall) => OneCall,
        nameof(TwoCalls) => TwoCalls,
        nameof(Question) => Question,
        _ => Thought,
    };

    private static (string? Bos, string? Eos) Tokens(string template) => template switch
    {
        _ when template.StartsWith("llama", StringComparison.Ordinal) => ("<|begin_of_text|>", "<|eot_id|>"),
        _ when template.StartsWith("qwen", StringComparison.Ordinal) => (null, "<|im_end|>"),
        _ when template.StartsWith("mistral", StringComparison.Ordinal) => ("<s>", "</s>"),
        _ when template.StartsWith("hermes", StringComparison.Ordinal) => ("<|begin_of_text|>", "<|im_end|>"),
        _ => ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    };
}
