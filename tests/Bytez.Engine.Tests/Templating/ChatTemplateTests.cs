using System.Text.Json;
using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

public sealed class ChatTemplateTests
{
    private static readonly IReadOnlyDictionary<string, object?>[] WithSystem =
    [
        T.Msg("system", "You are terse."),
        T.Msg("user", "Hello"),
        T.Msg("assistant", "Hi there!"),
        T.Msg("user", "How are you?"),
    ];

    private static readonly IReadOnlyDictionary<string, object?>[] NoSystem = WithSystem[1..];

    private static string Render(string template, IReadOnlyList<IReadOnlyDictionary<string, object?>> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
        => ChatTemplate.Render(template, messages, addGenerationPrompt, "<s>", "</s>", extra);

    [Fact]
    public void ChatMl_NoSystemMessage_AddsDefaultSystemAndGenerationPrompt()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nHello<|im_end|>\n"
            + "<|im_start|>assistant\nHi there!<|im_end|>\n"
            + "<|im_start|>user\nHow are you?<|im_end|>\n"
            + "<|im_start|>assistant\n",
            Render(FamilyTemplates.ChatMl, NoSystem, addGenerationPrompt: true));
    }

    [Fact]
    public void ChatMl_SystemMessageNoPrompt_UsesGivenSystem()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n"
            + "<|im_start|>user\nHello<|im_end|>\n"
            + "<|im_start|>assistant\nHi there!<|im_end|>\n"
            + "<|im_start|>user\nHow are you?<|im_end|>\n",
            Render(FamilyTemplates.ChatMl, WithSystem, addGenerationPrompt: false));
    }

    [Fact]
    public void SmolLm2_NoSystemMessage_AddsSmolLmSystem()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            Render(FamilyTemplates.SmolLm2, [T.Msg("user", "Hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void Llama3_Conversation_TrimsContentAndPrependsBosOnce()
    {
        IReadOnlyDictionary<string, object?>[] messages = [T.Msg("system", "  You are terse.\n"), T.Msg("user", "Hello")];
        Assert.Equal(
            "<s><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(FamilyTemplates.Llama3, messages, addGenerationPrompt: true));
    }

    [Fact]
    public void Llama2_SystemMessage_IsFoldedIntoFirstUserTurn()
    {
        Assert.Equal(
            "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello [/INST] Hi there! </s><s>[INST] How are you? [/INST]",
            Render(FamilyTemplates.Llama2, WithSystem, addGenerationPrompt: false));
    }

    [Fact]
    public void Llama2_NoSystemMessage_PlainInstTurns()
        => Assert.Equal(
            "<s>[INST] Hello [/INST] Hi there! </s><s>[INST] How are you? [/INST]",
            Render(FamilyTemplates.Llama2, NoSystem, addGenerationPrompt: false));

    [Fact]
    public void Llama2_RolesDoNotAlternate_RaisesTheTemplatesMessage()
    {
        var e = Assert.Throws<TemplateException>(() => Render(FamilyTemplates.Llama2, [T.Msg("user", "a"), T.Msg("user", "b")], false));
        Assert.Equal(TemplateErrorKind.Raised, e.Kind);
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", e.Message);
    }

    [Fact]
    public void Mistral_Conversation_InstTurnsWithEosAfterAnswers()
        => Assert.Equal(
            "<s>[INST] Hello [/INST]Hi there!</s>[INST] How are you? [/INST]",
            Render(FamilyTemplates.Mistral, NoSystem, addGenerationPrompt: true));

    [Fact]
    public void Mistral_SystemMessageFirst_Raises()
    {
        var e = Assert.Throws<TemplateException>(() => Render(FamilyTemplates.Mistral, WithSystem, false));
        Assert.Equal(TemplateErrorKind.Raised, e.Kind);
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", e.Message);
    }

    [Fact]
    public void Phi3_WithoutGenerationPrompt_EndsWithEos()
        => Assert.Equal(
            "<|system|>\nYou are terse.<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there!<|end|>\n<|user|>\nHow are you?<|end|>\n</s>",
            Render(FamilyTemplates.Phi3, WithSystem, addGenerationPrompt: false));

    [Fact]
    public void Phi3_WithGenerationPrompt_EndsWithAssistantTag()
        => Assert.EndsWith("<|user|>\nHow are you?<|end|>\n<|assistant|>\n", Render(FamilyTemplates.Phi3, WithSystem, addGenerationPrompt: true), StringComparison.Ordinal);

    [Fact]
    public void Gemma_Conversation_MapsAssistantToModel()
        => Assert.Equal(
            "<s><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there!<end_of_turn>\n"
            + "<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n",
            Render(FamilyTemplates.Gemma, NoSystem, addGenerationPrompt: true));

    [Fact]
    public void Gemma_SystemMessage_RaisesSystemRoleNotSupported()
    {
        var e = Assert.Throws<TemplateException>(() => Render(FamilyTemplates.Gemma, WithSystem, true));
        Assert.Equal("System role not supported", e.Message);
    }

    [Fact]
    public void Zephyr_MultiLineTemplate_TrimBlocksLeavesOneNewlinePerTurn()
        => Assert.Equal(
            "<|system|>\nYou are terse.</s>\n<|user|>\nHello</s>\n<|assistant|>\nHi there!</s>\n<|user|>\nHow are you?</s>\n<|assistant|>\n",
            Render(FamilyTemplates.Zephyr, WithSystem, addGenerationPrompt: true));

    private const string ToolConversationJson = """
        [
          {"role": "user", "content": "Weather in Paris?"},
          {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "°C"}}}
          ]},
          {"role": "tool", "content": "{\"temp\": 21}"},
          {"role": "tool", "content": "sunny"}
        ]
        """;

    private const string ToolsJson = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
        """;

    private static List<IReadOnlyDictionary<string, object?>> JsonMessages(string json)
        => [.. JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(m => (IReadOnlyDictionary<string, object?>)m.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value))];

    [Fact]
    public void Qwen25_ToolsAndToolCallsAsJsonElements_RendersToolJsonAndGroupsToolResponses()
    {
        var extra = new Dictionary<string, object?> { ["tools"] = JsonDocument.Parse(ToolsJson).RootElement };
        var expected =
            "<|im_start|>system\nYou are Qwen, a helpful assistant.\n\n# Tools\n\n<tools>\n"
            + """{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}"""
            + "\n</tools><|im_end|>\n"
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n"
            + """{"name": "get_weather", "arguments": {"city": "Paris", "unit": "°C"}}"""
            + "\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response>\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n";
        Assert.Equal(expected, ChatTemplate.Render(FamilyTemplates.Qwen25Tools, JsonMessages(ToolConversationJson), true, null, null, extra));
    }

    [Fact]
    public void Qwen25_NoTools_ToolsIsNoneAndDefaultSystemIsUsed()
        => Assert.Equal(
            "<|im_start|>system\nYou are Qwen, a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.Render(FamilyTemplates.Qwen25Tools, [T.Msg("user", "Hi")], true));

    [Fact]
    public void Llama31_NoDateString_UsesTemplatesDefaultDate()
    {
        var rendered = ChatTemplate.Render(FamilyTemplates.Llama31Tools, [T.Msg("user", "Hi")], true, "<|begin_of_text|>", null);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            rendered);
    }

    [Fact]
    public void Llama31_ToolsAndDateString_IndentedToolJsonAndIpythonTurn()
    {
        var messages = JsonMessages(ToolConversationJson)[..3];
        messages.Insert(0, T.Msg("system", " Sys "));
        var extra = new Dictionary<string, object?>
        {
            ["tools"] = JsonDocument.Parse(ToolsJson).RootElement,
            ["date_string"] = "01 Jan 2025",
        };
        var expected =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n"
            + "You have access to the following functions.\n\n"
            + "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"description\": \"Get the weather\",\n"
            + "        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n"
            + "                }\n            },\n            \"required\": [\n                \"city\"\n            ]\n        }\n    }\n}\n\n"
            + "Sys<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"°C\"}}<|eot_id|>"
            + "<|start_header_id|>ipython<|end_header_id|>\n\n\"{\\\"temp\\\": 21}\"<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        Assert.Equal(expected, ChatTemplate.Render(FamilyTemplates.Llama31Tools, messages, true, "<|begin_of_text|>", null, extra));
    }

    [Fact]
    public void BlockContentMacro_ListContent_RendersBlocksThroughMacro()
    {
        IReadOnlyDictionary<string, object?>[] messages =
        [
            T.Msg("user", new object[]
            {
                new Dictionary<string, object?> { ["type"] = "image" },
                new Dictionary<string, object?> { ["type"] = "text", ["text"] = "  What is this?  " },
            }),
            T.Msg("assistant", "A cat."),
        ];
        Assert.Equal(
            "<|user|>\n<image>  What is this?\n<|assistant|>\nA cat.<|assistant|>\n",
            ChatTemplate.Render(FamilyTemplates.BlockContentMacro, messages, true));
    }

    [Fact]
    public void Render_NullBosToken_LeavesItUndefined()
        => Assert.Equal("[]", ChatTemplate.Render("[{{ bos_token }}]{% if bos_token is defined %}defined{% endif %}", [], false));

    [Fact]
    public void Render_StrftimeNow_UsesTheTimeProvider()
    {
        var clock = new FixedTimeProvider(new DateTimeOffset(2025, 3, 7, 9, 5, 0, TimeSpan.Zero));
        var template = new ChatTemplate(JinjaTemplate.Parse("{{ strftime_now('%d %b %Y %H:%M') }}|{{ strftime_now('%A %-d') }}")) { TimeProvider = clock };
        Assert.Equal("07 Mar 2025 09:05|Friday 7", template.Render([], false, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Render_ExtraVariables_OverrideAndAdd()
        => Assert.Equal("x|T", ChatTemplate.Render("{{ custom }}|{{ 'T' if tools else 'F' }}", [], false, null, null, new Dictionary<string, object?> { ["custom"] = "x", ["tools"] = new[] { "t" } }));

    [Fact]
    public void Parse_UnsupportedStatement_NamesItWithPosition()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("line one\n\n  {% include 'x.j2' %}"));
        Assert.Equal(TemplateErrorKind.Syntax, e.Kind);
        Assert.Equal("unsupported statement 'include'", e.Reason);
        Assert.Equal(3, e.Line);
        Assert.Contains("at line 3", e.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
