using Bytez.Engine.Generation.Tools;
using Bytez.Testing.Properties;
using CsCheck;

namespace Bytez.Engine.Tests.Generation.Tools;

public sealed class AssistantOutputParserTests
{
    private static readonly string[] ToolNames = ["get_weather", "get_time"];

    private const string WeatherCall = """{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}""";
    private const string TimeCall = """{"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}""";

    private static Func<string> Ids()
    {
        var n = 0;
        return () => $"id{n++}";
    }

    private static AssistantOutput Parse(string text, ToolCallFormat? format, ReasoningTags? tags = null, bool inReasoning = false)
        => AssistantOutputParser.Parse(text, format, tags, inReasoning, ToolNames, Ids());

    private static void AssertCalls(AssistantOutput output, params (string Name, string Arguments)[] expected)
        => Assert.Equal(expected, output.ToolCalls.Select(c => (c.Name, c.Arguments)));

    // Hermes, Qwen 2.5, Qwen 3

    [Fact]
    public void Parse_HermesOneCall_CallAndNoContent()
    {
        var output = Parse($"<tool_call>\n{WeatherCall}\n</tool_call>", ToolCallFormat.Hermes);
        Assert.Equal(string.Empty, output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris", "unit": "celsius"}"""));
        Assert.Equal("id0", output.ToolCalls[0].Id);
        Assert.Null(output.Reasoning);
    }

    [Fact]
    public void Parse_HermesTextThenTwoCalls_TextIsContentWithoutTheWhitespaceAtTheCalls()
    {
        var output = Parse($"Let me check both.\n\n<tool_call>\n{WeatherCall}\n</tool_call>\n<tool_call>\n{TimeCall}\n</tool_call>", ToolCallFormat.Hermes);
        Assert.Equal("Let me check both.", output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris", "unit": "celsius"}"""), ("get_time", """{"timezone": "Asia/Tokyo"}"""));
        Assert.Equal(["id0", "id1"], output.ToolCalls.Select(c => c.Id));
    }

    [Fact]
    public void Parse_HermesMalformedJson_KeepsTheTextAsContent()
    {
        const string text = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>";
        var output = Parse(text, ToolCallFormat.Hermes);
        Assert.Equal(text, output.Content);
        Assert.Empty(output.ToolCalls);
    }

    [Fact]
    public void Parse_HermesCallWithoutName_KeepsTheTextAsContent()
    {
        const string text = "<tool_call>\n{\"arguments\": {}}\n</tool_call>";
        Assert.Equal(text, Parse(text, ToolCallFormat.Hermes).Content);
    }

    [Fact]
    public void Parse_HermesArgumentsAsJsonString_TakesTheString()
        => AssertCalls(
            Parse("<tool_call>{\"name\": \"get_time\", \"arguments\": \"{\\\"timezone\\\": \\\"UTC\\\"}\"}</tool_call>", ToolCallFormat.Hermes),
            ("get_time", """{"timezone": "UTC"}"""));

    [Fact]
    public void Parse_HermesUnclosedAtTheEnd_ReadsTheCallWhenItParses()
        => AssertCalls(Parse($"<tool_call>\n{TimeCall}\n", ToolCallFormat.Hermes), ("get_time", """{"timezone": "Asia/Tokyo"}"""));

    [Fact]
    public void Parse_HermesUnclosedTruncated_IsContent()
        => Assert.Equal("<tool_call>\n{\"name\": \"get_ti", Parse("<tool_call>\n{\"name\": \"get_ti", ToolCallFormat.Hermes).Content);

    [Fact]
    public void Feed_HermesMarkersSplitAcrossPieces_ContentStreamsAndTheCallCompletesOnce()
    {
        var parser = new AssistantOutputParser(ToolCallFormat.Hermes, null, newCallId: Ids());
        Assert.Equal([new AssistantDelta(Content: "Checking")], parser.Feed("Checking"));
        Assert.Empty(parser.Feed(" <tool"));
        Assert.Empty(parser.Feed("_call>\n{\"name\": \"get_time\", "));
        Assert.Empty(parser.Feed("\"arguments\": {\"timezone\": \"UTC\"}}\n</tool_"));
        Assert.Equal([new AssistantDelta(ToolCall: new ChatToolCall("id0", "get_time", """{"timezone": "UTC"}"""))], parser.Feed("call>"));
        Assert.Empty(parser.Finish());
    }

    [Fact]
    public void Feed_TextWithALessThanSign_IsHeldOnlyWhileItCouldBeAMarker()
    {
        var parser = new AssistantOutputParser(ToolCallFormat.Hermes, ReasoningTags.Think);
        Assert.Equal([new AssistantDelta(Content: "a")], parser.Feed("a <"));
        Assert.Equal([new AssistantDelta(Content: " < b")], parser.Feed(" b"));
        Assert.Empty(parser.Finish());
    }

    // Llama 3.x JSON

    [Fact]
    public void Parse_Llama3Json_ParametersBecomeArguments()
    {
        var output = Parse("""{"name": "get_weather", "parameters": {"city": "Paris"}}""", ToolCallFormat.Llama3Json);
        Assert.Equal(string.Empty, output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris"}"""));
    }

    [Fact]
    public void Parse_Llama3JsonAfterPythonTag_IsACall()
        => AssertCalls(Parse("""<|python_tag|>{"name": "get_time", "parameters": {"timezone": "UTC"}}""", ToolCallFormat.Llama3Json), ("get_time", """{"timezone": "UTC"}"""));

    [Fact]
    public void Parse_Llama3JsonSeveralCallsSeparatedBySemicolons_AllAreCalls()
        => AssertCalls(
            Parse("""{"name": "get_time", "parameters": {"timezone": "UTC"}}; {"name": "get_weather", "parameters": {"city": "Oslo"}}""", ToolCallFormat.Llama3Json),
            ("get_time", """{"timezone": "UTC"}"""),
            ("get_weather", """{"city": "Oslo"}"""));

    [Fact]
    public void Parse_Llama3JsonAnswerThatIsNoCall_IsContent()
    {
        const string text = """{"answer": 42} is the JSON you asked for.""";
        var output = Parse(text, ToolCallFormat.Llama3Json);
        Assert.Equal(text, output.Content);
        Assert.Empty(output.ToolCalls);
    }

    [Fact]
    public void Parse_Llama3JsonUnknownFunctionWithoutMarker_IsContent()
    {
        const string text = """{"name": "launch_rocket", "parameters": {}}""";
        Assert.Equal(text, Parse(text, ToolCallFormat.Llama3Json).Content);
    }

    [Fact]
    public void Parse_Llama3JsonInTheMiddleOfText_IsContent()
    {
        const string text = """Call it like {"name": "get_time", "parameters": {}} please.""";
        Assert.Equal(text, Parse(text, ToolCallFormat.Llama3Json).Content);
    }

    [Fact]
    public void Parse_Llama3JsonCallThenText_TextIsContent()
    {
        var output = Parse("""{"name": "get_time", "parameters": {"timezone": "UTC"}} Done.""", ToolCallFormat.Llama3Json);
        Assert.Equal("Done.", output.Content);
        Assert.Single(output.ToolCalls);
    }

    // Mistral

    [Fact]
    public void Parse_MistralList_EveryElementIsACall()
    {
        var output = Parse($"[TOOL_CALLS] [{WeatherCall}, {TimeCall}]", ToolCallFormat.Mistral);
        Assert.Equal(string.Empty, output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris", "unit": "celsius"}"""), ("get_time", """{"timezone": "Asia/Tokyo"}"""));
    }

    [Fact]
    public void Parse_MistralListWithoutTheSpecialMarker_IsReadAtTheStart()
        => AssertCalls(Parse($" [{TimeCall}]", ToolCallFormat.Mistral), ("get_time", """{"timezone": "Asia/Tokyo"}"""));

    [Fact]
    public void Parse_MistralNamedCalls_EachMarkerOneCall()
    {
        var output = Parse("""I'll look.[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[CALL_ID]a1b2c3d4e[ARGS]{"timezone": "UTC"}""", ToolCallFormat.MistralNamed);
        Assert.Equal("I'll look.", output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris"}"""), ("get_time", """{"timezone": "UTC"}"""));
    }

    [Fact]
    public void Parse_MistralMalformedList_KeepsTheTextAsContent()
    {
        const string text = """[TOOL_CALLS] [{"name": 1, "arguments": {}}]""";
        Assert.Equal(text, Parse(text, ToolCallFormat.Mistral).Content);
    }

    [Fact]
    public void Parse_MistralNamedWithoutArguments_KeepsTheTextAsContent()
    {
        const string text = "[TOOL_CALLS]get_time and more words";
        Assert.Equal(text, Parse(text, ToolCallFormat.MistralNamed).Content);
    }

    [Fact]
    public void Parse_MistralTextStartingWithABracket_IsContent()
    {
        const string text = "[1] First, the weather.";
        Assert.Equal(text, Parse(text, ToolCallFormat.Mistral).Content);
    }

    // Reasoning

    [Fact]
    public void Parse_ThinkThenAnswer_SplitsThinkingFromAnswer()
    {
        var output = Parse("<think>\nTwo and two.\nThat is four.\n</think>\n\nThe answer is 4.", null, ReasoningTags.Think);
        Assert.Equal("Two and two.\nThat is four.", output.Reasoning);
        Assert.Equal("The answer is 4.", output.Content);
    }

    [Fact]
    public void Parse_PromptOpenedTheThinking_OutputStartsInsideIt()
    {
        var output = Parse("Two and two.\n</think>\n\nThe answer is 4.", null, ReasoningTags.Think, inReasoning: true);
        Assert.Equal("Two and two.", output.Reasoning);
        Assert.Equal("The answer is 4.", output.Content);
    }

    [Fact]
    public void Parse_ThinkingNeverClosed_AllIsReasoning()
    {
        var output = Parse("<think>\nStill thinking", null, ReasoningTags.Think);
        Assert.Equal("Still thinking", output.Reasoning);
        Assert.Equal(string.Empty, output.Content);
    }

    [Fact]
    public void Parse_NoThinkTagInTheOutput_AllIsContent()
    {
        var output = Parse("Just an answer with <b>markup</b>.", null, ReasoningTags.Think);
        Assert.Null(output.Reasoning);
        Assert.Equal("Just an answer with <b>markup</b>.", output.Content);
    }

    [Fact]
    public void Parse_ThinkThenToolCall_ReasoningAndCallNoContent()
    {
        var output = Parse($"<think>\nI need the weather.\n</think>\n\n<tool_call>\n{WeatherCall}\n</tool_call>", ToolCallFormat.Hermes, ReasoningTags.Think);
        Assert.Equal("I need the weather.", output.Reasoning);
        Assert.Equal(string.Empty, output.Content);
        AssertCalls(output, ("get_weather", """{"city": "Paris", "unit": "celsius"}"""));
    }

    [Fact]
    public void Feed_ThinkingStreams_ReasoningDeltasBeforeTheCloseTagArrives()
    {
        var parser = new AssistantOutputParser(null, ReasoningTags.Think);
        Assert.Empty(parser.Feed("<thi"));
        Assert.Equal([new AssistantDelta(Reasoning: "Hmm,")], parser.Feed("nk>\nHmm,"));
        Assert.Equal([new AssistantDelta(Reasoning: " yes")], parser.Feed(" yes\n</th"));
        Assert.Equal([new AssistantDelta(Content: "Yes.")], parser.Feed("ink>\n\nYes."));
        Assert.Empty(parser.Finish());
    }

    // Forcing a call

    [Theory]
    [InlineData("hermes")]
    [InlineData("llama3_json")]
    [InlineData("mistral")]
    [InlineData("mistral_named")]
    public void CallOpeningAndClosing_AroundArguments_ParseBackToTheCall(string name)
    {
        var format = new[] { ToolCallFormat.Hermes, ToolCallFormat.Llama3Json, ToolCallFormat.Mistral, ToolCallFormat.MistralNamed }.Single(f => f.Name == name);
        const string arguments = """{"city": "Paris", "unit": "celsius"}""";
        var output = Parse(format.CallOpening("get_weather") + arguments + format.CallClosing, format);
        Assert.Equal(string.Empty, output.Content);
        AssertCalls(output, ("get_weather", arguments));
    }

    // The fold of the stream

    private static readonly (string Text, ToolCallFormat? Format, bool InReasoning)[] Outputs =
    [
        ($"Let me check both.\n\n<tool_call>\n{WeatherCall}\n</tool_call>\n<tool_call>\n{TimeCall}\n</tool_call>", ToolCallFormat.Hermes, false),
        ($"<think>\nI need the weather.\n</think>\n\n<tool_call>\n{WeatherCall}\n</tool_call> and then <tool_call>broken</tool_call> text", ToolCallFormat.Hermes, false),
        ("Two and two.\n</think>\n\nThe answer is 4 <b>four</b> < 5.\n\n", null, true),
        ("a <tool_call <think> </think> <tool_call>{\"name\": \"get_time\"}", ToolCallFormat.Hermes, false),
        ("""  {"name": "get_time", "parameters": {"timezone": "UTC"}}; {"name": "get_weather", "parameters": {"city": "O\"slo}"}} Done.""", ToolCallFormat.Llama3Json, false),
        ("""<|python_tag|>{"name": "get_time", "parameters": {}}; not json""", ToolCallFormat.Llama3Json, false),
        ("""{"answer": [1, 2, {"x": "}"}]} is JSON <|python_ta""", ToolCallFormat.Llama3Json, false),
        ($"[TOOL_CALLS] [{WeatherCall}, {TimeCall}]", ToolCallFormat.Mistral, false),
        ($" [{TimeCall}] and [1] more [TOOL_CALLS] [{{\"name\": 1}}]", ToolCallFormat.Mistral, false),
        ("""I'll look.[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[CALL_ID]a1b2c3d4e[ARGS]{"timezone": "UTC"}""", ToolCallFormat.MistralNamed, false),
        ("[TOOL_CALLS]get_time and words [TOOL_CALLS]get_weather[ARGS] {\"city\": \"Nice\"} end\n", ToolCallFormat.MistralNamed, false),
        ("<think>unclosed <tool_call>", ToolCallFormat.Hermes, false),
    ];

    private static readonly Gen<(int Output, int[] Cuts)> Splits =
        Gen.Select(Gen.Int[0, Outputs.Length - 1], Gen.Int[0, 400].Array[0, 40]);

    [Fact]
    public void Feed_AnySplitOfTheOutput_FoldsToTheWholeParse()
        => PropertyCheck.Run(Splits, input =>
        {
            var (text, format, inReasoning) = Outputs[input.Output];
            var whole = AssistantOutputParser.Parse(text, format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var parser = new AssistantOutputParser(format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var cuts = input.Cuts.Select(c => c % (text.Length + 1)).Append(0).Append(text.Length).Distinct().Order().ToArray();
            var deltas = new List<AssistantDelta>();
            for (var i = 1; i < cuts.Length; i++)
            {
                deltas.AddRange(parser.Feed(text[cuts[i - 1]..cuts[i]]));
            }

            deltas.AddRange(parser.Finish());
            var streamed = AssistantOutput.Fold(deltas);
            Assert.Equal(whole.Content, streamed.Content);
            Assert.Equal(whole.Reasoning, streamed.Reasoning);
            Assert.Equal(whole.ToolCalls, streamed.ToolCalls);
        }, "0000000000131", iterations: 3000);

    [Fact]
    public void Feed_OneCharacterAtATime_FoldsToTheWholeParseForEveryOutput()
    {
        foreach (var (text, format, inReasoning) in Outputs)
        {
            var whole = AssistantOutputParser.Parse(text, format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var parser = new AssistantOutputParser(format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var deltas = text.Select(c => parser.Feed(c.ToString())).SelectMany(d => d).ToList();
            deltas.AddRange(parser.Finish());
            var streamed = AssistantOutput.Fold(deltas);
            Assert.Equal((whole.Content, whole.Reasoning), (streamed.Content, streamed.Reasoning));
            Assert.Equal(whole.ToolCalls, streamed.ToolCalls);
        }
    }

    private static readonly string[] Fragments =
    [
        "<tool_call>", "</tool_call>", "<tool_", "call>", "<think>", "</think>", "<|python_tag|>", "[TOOL_CALLS]", "[ARGS]",
        "[CALL_ID]", "{", "}", "[", "]", "\"", "\\", ";", ",", ":", " ", "\n", "\n\n", "<", ">", "get_time", "get_weather",
        "\"name\"", "\"arguments\"", "\"parameters\"", "{}", "\"get_time\"", "text", "é😀",
        """{"name": "get_time", "arguments": {"timezone": "UTC"}}""", """{"name": "get_weather", "parameters": {"city": "a}b"}}""",
    ];

    private static readonly ToolCallFormat?[] Formats = [null, ToolCallFormat.Hermes, ToolCallFormat.Llama3Json, ToolCallFormat.Mistral, ToolCallFormat.MistralNamed];

    private static readonly Gen<(string Text, int Format, bool InReasoning, int[] Cuts)> RandomOutputs =
        Gen.Select(
            Gen.Int[0, Fragments.Length - 1].Array[0, 24].Select(ix => string.Concat(ix.Select(i => Fragments[i]))),
            Gen.Int[0, Formats.Length - 1],
            Gen.Bool,
            Gen.Int[0, 1000].Array[0, 30]);

    [Fact]
    public void Feed_RandomOutputsOfMarkerFragments_AnySplitFoldsToTheWholeParse()
        => PropertyCheck.Run(RandomOutputs, input =>
        {
            var (text, f, inReasoning, cuts) = input;
            var format = Formats[f];
            var whole = AssistantOutputParser.Parse(text, format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var parser = new AssistantOutputParser(format, ReasoningTags.Think, inReasoning, ToolNames, Ids());
            var points = cuts.Select(c => c % (text.Length + 1)).Append(0).Append(text.Length).Distinct().Order().ToArray();
            var deltas = new List<AssistantDelta>();
            for (var i = 1; i < points.Length; i++)
            {
                deltas.AddRange(parser.Feed(text[points[i - 1]..points[i]]));
            }

            deltas.AddRange(parser.Finish());
            var streamed = AssistantOutput.Fold(deltas);
            Assert.Equal(whole.Content, streamed.Content);
            Assert.Equal(whole.Reasoning, streamed.Reasoning);
            Assert.Equal(whole.ToolCalls, streamed.ToolCalls);
        }, "0000000000132", iterations: 5000);

    [Fact]
    public void Feed_AfterFinish_Throws()
    {
        var parser = new AssistantOutputParser(null, null);
        parser.Finish();
        Assert.Throws<InvalidOperationException>(() => parser.Feed("x"));
    }
}
