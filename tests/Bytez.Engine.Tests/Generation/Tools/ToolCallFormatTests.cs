using Bytez.Engine.Generation.Tools;
using Bytez.Engine.Templating;
using Bytez.Engine.Tests.Generation.Templates;
using Bytez.Engine.Tests.Templating;

namespace Bytez.Engine.Tests.Generation.Tools;

public sealed class ToolCallFormatTests
{
    [Theory]
    [InlineData("llama-3.1-8b-instruct", "llama3_json")]
    [InlineData("llama-3.2-3b-instruct", "llama3_json")]
    [InlineData("qwen2.5-7b-instruct", "hermes")]
    [InlineData("qwen3-0.6b", "hermes")]
    [InlineData("qwen3-4b-thinking-2507", "hermes")]
    [InlineData("mistral-7b-instruct-v0.3", "mistral")]
    [InlineData("mistral-nemo-instruct-2407", "mistral")]
    [InlineData("hermes-2-pro-llama-3-8b-tool-use", "hermes")]
    [InlineData("deepseek-r1", null)]
    public void Detect_RealTemplate_GivesItsFamilysFormat(string template, string? expected)
        => Assert.Equal(expected, ToolCallFormat.Detect(JinjaReference.Template(template))?.Name);

    [Fact]
    public void Detect_TemplateWithArgsMarker_IsMistralNamed()
        => Assert.Same(ToolCallFormat.MistralNamed, ToolCallFormat.Detect("{{ '[TOOL_CALLS]' + name + '[ARGS]' + args }}"));

    [Fact]
    public void Detect_TemplateWithoutTools_IsNull()
    {
        Assert.Null(ToolCallFormat.Detect(FamilyTemplates.ChatMl));
        Assert.Null(ToolCallFormat.Detect(FamilyTemplates.Llama3));
        Assert.Null(ToolCallFormat.Detect(null));
    }

    [Fact]
    public void NewCallId_Hermes_CallPrefixAnd24RandomAlphanumerics()
    {
        var a = ToolCallFormat.Hermes.NewCallId();
        Assert.Matches("^call_[A-Za-z0-9]{24}$", a);
        Assert.NotEqual(a, ToolCallFormat.Hermes.NewCallId());
    }

    [Fact]
    public void NewCallId_Mistral_NineAlphanumericsItsTemplatesAccept()
        => Assert.Matches("^[A-Za-z0-9]{9}$", ToolCallFormat.Mistral.NewCallId());

    [Fact]
    public void TemplateCallId_NineAlphanumerics_Unchanged()
        => Assert.Equal("abcDEF123", ToolCallFormat.Mistral.TemplateCallId("abcDEF123"));

    [Theory]
    [InlineData("qwen3-4b-thinking-2507", true)]
    [InlineData("qwen3-0.6b", false)]
    public void OpensIn_RenderedGenerationPrompt_TellsWhetherTheOutputStartsInsideTheThinking(string template, bool expected)
    {
        var source = JinjaReference.Template(template);
        var tags = ReasoningTags.Detect(source);
        Assert.Same(ReasoningTags.Think, tags);
        var prompt = ChatTemplate.Render(source, [T.Msg("user", "Hi")], addGenerationPrompt: true, null, "<|im_end|>");
        Assert.Equal(expected, tags!.OpensIn(prompt));
    }

    [Fact]
    public void OpensIn_ThinkingSwitchedOff_IsFalse()
    {
        var source = JinjaReference.Template("qwen3-0.6b");
        var prompt = ChatTemplate.Render(source, [T.Msg("user", "Hi")], true, null, "<|im_end|>", new Dictionary<string, object?> { ["enable_thinking"] = false });
        Assert.EndsWith("<think>\n\n</think>\n\n", prompt, StringComparison.Ordinal);
        Assert.False(ReasoningTags.Think.OpensIn(prompt));
    }

    [Fact]
    public void Detect_TemplateWithoutThinkTags_IsNull()
        => Assert.Null(ReasoningTags.Detect(JinjaReference.Template("llama-3.1-8b-instruct")));
}
