using System.Text.Json;
using Bytez.Engine.Generation.Tools;

namespace Bytez.Engine.Tests.Generation.Tools;

public sealed class ChatToolsReaderTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static string Refused(Action read)
    {
        var e = Assert.Throws<EngineException>(read);
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        return e.Message;
    }

    private const string Weather = """{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""";

    [Fact]
    public void ReadTools_OpenAiTools_NameDescriptionSchemaAndTheWholeDefinition()
    {
        var tool = Assert.Single(ChatToolsReader.ReadTools(Json($"[{Weather}]")));
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal("Weather.", tool.Description);
        Assert.Equal("object", tool.Parameters!.Value.GetProperty("type").GetString());
        Assert.Equal(JsonSerializer.Serialize(Json(Weather)), JsonSerializer.Serialize(tool.Definition));
    }

    [Fact]
    public void ReadTools_NullOrAbsent_Empty()
    {
        Assert.Empty(ChatToolsReader.ReadTools(Json("null")));
        Assert.Empty(ChatToolsReader.ReadTools(default));
    }

    [Theory]
    [InlineData("{}", "`tools` must be a list")]
    [InlineData("[3]", "`tools[0]` must be an object")]
    [InlineData("""[{"type": "retrieval"}]""", "`tools[0].type` must be \"function\"")]
    [InlineData("""[{"type": "function"}]""", "`tools[0].function` must be an object")]
    [InlineData("""[{"type": "function", "function": {"name": "get weather"}}]""", "`tools[0].function.name` must be 1 to 64 letters, digits, '_' or '-'; got 'get weather'")]
    [InlineData("""[{"type": "function", "function": {"name": 5}}]""", "`tools[0].function.name` must be a string")]
    [InlineData("""[{"type": "function", "function": {"name": "a", "description": 1}}]""", "`tools[0].function.description` must be a string")]
    [InlineData("""[{"type": "function", "function": {"name": "a", "parameters": []}}]""", "`tools[0].function.parameters` must be a JSON schema object")]
    [InlineData("""[{"type": "function", "function": {"name": "a", "parameters": {"type": "string"}}}]""", "`tools[0].function.parameters.type` must be \"object\"")]
    [InlineData("""[{"type": "function", "function": {"name": "a", "parameters": {"properties": []}}}]""", "`tools[0].function.parameters.properties` must be an object")]
    [InlineData("""[{"type": "function", "function": {"name": "a", "parameters": {"required": [1]}}}]""", "`tools[0].function.parameters.required` must be a list of argument names")]
    [InlineData("""[{"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "a"}}]""", "`tools[1].function.name` repeats the name 'a'")]
    public void ReadTools_Malformed_RefusedNamingTheField(string json, string expected)
        => Assert.StartsWith(expected, Refused(() => ChatToolsReader.ReadTools(Json(json))), StringComparison.Ordinal);

    [Fact]
    public void ReadTools_TooMany_Refused()
    {
        var json = "[" + string.Join(",", Enumerable.Range(0, ChatToolsReader.MaxTools + 1).Select(i => $$$"""{"type": "function", "function": {"name": "f{{{i}}}"}}""")) + "]";
        Assert.Equal($"`tools` has {ChatToolsReader.MaxTools + 1} tools; at most {ChatToolsReader.MaxTools} are allowed.", Refused(() => ChatToolsReader.ReadTools(Json(json))));
    }

    [Fact]
    public void ReadTools_DefinitionTooLong_Refused()
    {
        var json = $$$"""[{"type": "function", "function": {"name": "f", "description": "{{{new string('x', ChatToolsReader.MaxToolChars)}}}"}}]""";
        Assert.StartsWith("`tools[0]` is longer than", Refused(() => ChatToolsReader.ReadTools(Json(json))), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadToolChoice_AllForms()
    {
        var tools = ChatToolsReader.ReadTools(Json($"[{Weather}]"));
        Assert.Equal(ChatToolChoice.Auto, ChatToolsReader.ReadToolChoice(default, tools));
        Assert.Equal(ChatToolChoice.None, ChatToolsReader.ReadToolChoice(default, []));
        Assert.Equal(new ChatToolChoice(ChatToolChoiceKind.Required), ChatToolsReader.ReadToolChoice(Json("\"required\""), tools));
        Assert.Equal(ChatToolChoice.None, ChatToolsReader.ReadToolChoice(Json("\"none\""), tools));
        Assert.Equal(
            new ChatToolChoice(ChatToolChoiceKind.Function, "get_weather"),
            ChatToolsReader.ReadToolChoice(Json("""{"type": "function", "function": {"name": "get_weather"}}"""), tools));
    }

    [Fact]
    public void ReadToolChoice_UnknownFunctionOrWord_Refused()
    {
        var tools = ChatToolsReader.ReadTools(Json($"[{Weather}]"));
        Assert.Equal(
            "`tool_choice.function.name` is 'get_time', which is not among `tools`.",
            Refused(() => ChatToolsReader.ReadToolChoice(Json("""{"type": "function", "function": {"name": "get_time"}}"""), tools)));
        Assert.StartsWith("`tool_choice` must be \"auto\"", Refused(() => ChatToolsReader.ReadToolChoice(Json("\"always\""), tools)), StringComparison.Ordinal);
        Assert.StartsWith("`tool_choice` is \"required\" but `tools` is empty", Refused(() => ChatToolsReader.ReadToolChoice(Json("\"required\""), [])), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadToolCalls_StringOrObjectArguments_KeptAsJsonText()
    {
        var calls = ChatToolsReader.ReadToolCalls(
            Json("""[{"id": "c1", "type": "function", "function": {"name": "a", "arguments": "{\"x\": 1}"}}, {"id": "c2", "function": {"name": "b", "arguments": {"y": 2}}}, {"id": "c3", "function": {"name": "c", "arguments": ""}}]"""),
            "messages[1].tool_calls");
        Assert.Equal([new ChatToolCall("c1", "a", """{"x": 1}"""), new ChatToolCall("c2", "b", """{"y": 2}"""), new ChatToolCall("c3", "c", "{}")], calls);
    }

    [Fact]
    public void ReadToolCalls_Malformed_RefusedNamingTheMessage()
    {
        Assert.StartsWith("`messages[1].tool_calls[0]` must be an object", Refused(() => ChatToolsReader.ReadToolCalls(Json("[1]"), "messages[1].tool_calls")), StringComparison.Ordinal);
        Assert.StartsWith(
            "`messages[1].tool_calls[0].function.arguments` must be a JSON string",
            Refused(() => ChatToolsReader.ReadToolCalls(Json("""[{"function": {"name": "a", "arguments": 3}}]"""), "messages[1].tool_calls")),
            StringComparison.Ordinal);
    }
}
