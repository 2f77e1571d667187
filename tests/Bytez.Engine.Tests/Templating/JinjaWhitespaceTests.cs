using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

public sealed class JinjaWhitespaceTests
{
    [Fact]
    public void Render_PlainText_IsUnchanged()
        => Assert.Equal("Hello, world!", T.Render("Hello, world!"));

    [Fact]
    public void Render_TrailingNewline_IsDropped()
        => Assert.Equal("a\nb", T.Render("a\nb\n"));

    [Fact]
    public void Render_OnlyOneTrailingNewline_IsDropped()
        => Assert.Equal("a\n", T.Render("a\n\n"));

    [Fact]
    public void Render_CrLf_IsNormalizedToLf()
        => Assert.Equal("a\nb\nc", T.Render("a\r\nb\rc"));

    [Fact]
    public void Render_NewlineAfterBlockTag_IsRemovedByTrimBlocks()
        => Assert.Equal("yes\n", T.Render("{% if true %}\nyes\n{% endif %}\n"));

    [Fact]
    public void Render_NewlineAfterVariableTag_IsKept()
        => Assert.Equal("1\n2", T.Render("{{ 1 }}\n{{ 2 }}"));

    [Fact]
    public void Render_NewlineAfterComment_IsRemovedByTrimBlocks()
        => Assert.Equal("a\nb", T.Render("a\n{# note #}\nb"));

    [Fact]
    public void Render_IndentBeforeBlockTag_IsRemovedByLstripBlocks()
    {
        var source = "<ul>\n    {% for x in items %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>";
        Assert.Equal("<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>", T.Render(source, ("items", new[] { 1, 2 })));
    }

    [Fact]
    public void Render_IndentBeforeVariableTag_IsKept()
        => Assert.Equal("a\n  1", T.Render("a\n  {{ 1 }}"));

    [Fact]
    public void Render_TextBeforeBlockTagOnTheSameLine_IsNotStripped()
        => Assert.Equal("x  y", T.Render("x  {% if true %}y{% endif %}"));

    [Fact]
    public void Render_IndentedBlockTagAtStartOfTemplate_IsStripped()
        => Assert.Equal("y", T.Render("   {% if true %}y{% endif %}"));

    [Fact]
    public void Render_IndentAfterVariableThenBlockOnSameLine_IsKept()
        => Assert.Equal("1  ", T.Render("{{ 1 }}  {% if true %}{% endif %}"));

    [Fact]
    public void Render_IndentedCommentLine_DisappearsWhole()
        => Assert.Equal("a\nb", T.Render("a\n    {# comment #}\nb"));

    [Fact]
    public void Render_MinusOnBlockStart_StripsAllWhitespaceBefore()
        => Assert.Equal("ab", T.Render("a \n\n {%- if true %}b{% endif %}"));

    [Fact]
    public void Render_MinusOnBlockEnd_StripsAllWhitespaceAfter()
        => Assert.Equal("ab", T.Render("a{% if true -%}  \n\n  b{% endif %}"));

    [Fact]
    public void Render_MinusOnVariableTags_StripsBothSides()
        => Assert.Equal("a1b", T.Render("a  \n{{- 1 -}}\n  b"));

    [Fact]
    public void Render_PlusOnBlockEnd_DisablesTrimBlocks()
        => Assert.Equal("\nyes", T.Render("{% if true +%}\nyes{% endif %}"));

    [Fact]
    public void Render_PlusOnBlockStart_DisablesLstripBlocks()
        => Assert.Equal("  yes", T.Render("  {%+ if true %}yes{% endif %}"));

    [Fact]
    public void Render_MultiLineTemplateWithTrimAndLstrip_RendersLikeTransformers()
    {
        var source = """
            {% for m in messages %}
                {% if m.role == 'user' %}
            U: {{ m.content }}
                {% else %}
            A: {{ m.content }}
                {% endif %}
            {% endfor %}
            """;
        var messages = new[] { T.Msg("user", "hi"), T.Msg("assistant", "hello") };

        // Without lstrip_blocks every indented tag line would leave four spaces; without trim_blocks, blank lines.
        Assert.Equal("U: hi\nA: hello\n", T.Render(source, ("messages", messages)));
    }

    [Fact]
    public void Render_RawBlock_IsNotInterpreted()
        => Assert.Equal("{{ x }} {% if %}", T.Render("{% raw %}{{ x }} {% if %}{% endraw %}"));

    [Fact]
    public void Render_DictLiteralClosingBraces_DoNotEndTheTag()
        => Assert.Equal("1", T.Render("{{ {'a': {'b': 1}}['a']['b'] }}"));
}
