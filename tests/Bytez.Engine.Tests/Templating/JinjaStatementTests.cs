using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

public sealed class JinjaStatementTests
{
    [Theory]
    [InlineData("{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }};{% endfor %}", "12;34;")]
    [InlineData("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }} {% endfor %}", "x=1 y=2 ")]
    [InlineData("{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}", "1/2:2 2/2:4 ")]
    [InlineData("{% for x in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% for x in [1, 3] if x is even %}x{% else %}none even{% endfor %}", "none even")]
    [InlineData("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}", "13")]
    [InlineData("{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", "1")]
    [InlineData("{% for x in 'ab' %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}", "021TrueFalseb;110FalseTruea;")]
    [InlineData("{% for x in [1, 2] %}{% for y in [3, 4] %}{{ x }}{{ y }}{% endfor %}{{ loop.index }} {% endfor %}", "13141 23242 ")]
    [InlineData("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba")]
    [InlineData("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}", "ab")]
    public void Render_For_MatchesJinja(string source, string expected)
        => Assert.Equal(expected, T.Render(source));

    [Fact]
    public void Render_SetInsideLoop_DoesNotLeakOut()
        => Assert.Equal("1110", T.Render("{% set c = 0 %}{% for i in range(3) %}{% set c = c + 1 %}{{ c }}{% endfor %}{{ c }}"));

    [Fact]
    public void Render_NamespaceInsideLoop_CarriesValuesOut()
        => Assert.Equal("3 True", T.Render("{% set ns = namespace(c=0, seen=false) %}{% for i in range(3) %}{% set ns.c = ns.c + 1 %}{% set ns.seen = true %}{% endfor %}{{ ns.c }} {{ ns.seen }}"));

    [Fact]
    public void Render_SetOnNonNamespaceAttribute_Fails()
        => Assert.Equal("cannot assign attribute on non-namespace object", T.RenderFails("{% set d = {} %}{% set d.x = 1 %}").Reason);

    [Fact]
    public void Render_SetInsideIf_IsVisibleAfter()
        => Assert.Equal("2", T.Render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"));

    [Theory]
    [InlineData("{% set x %}block {{ 1 }}{% endset %}[{{ x }}]", "[block 1]")]
    [InlineData("{% set x | upper %}block{% endset %}[{{ x }}]", "[BLOCK]")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")]
    public void Render_Set_MatchesJinja(string source, string expected)
        => Assert.Equal(expected, T.Render(source));

    [Theory]
    [InlineData("{% if false %}a{% elif true %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% if 0 %}a{% elif '' %}b{% else %}c{% endif %}", "c")]
    [InlineData("{% if [] %}a{% elif [0] %}b{% endif %}", "b")]
    public void Render_If_MatchesJinja(string source, string expected)
        => Assert.Equal(expected, T.Render(source));

    [Theory]
    [InlineData("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Hi') }} {{ greet('X', 'Yo') }}", "Hello, Bob! Hi, Al! Yo, X!")]
    [InlineData("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}", "<inner>")]
    [InlineData("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1, 2]) %}[{{ v }}]{% endcall %}", "[1][2]")]
    [InlineData("{% macro m(x) %}{{ x }}{% endmacro %}[{{ m() }}]", "[]")]
    [InlineData("{% macro m() %}{{ outer }}{% endmacro %}{% set outer = 'o' %}{{ m() }}", "o")]
    [InlineData("{% filter upper %}abc{{ 'd' }}{% endfilter %}", "ABCD")]
    [InlineData("{% generation %}gen {{ 1 }}{% endgeneration %}", "gen 1")]
    [InlineData("{% with a = 5 %}{{ a }}{% endwith %}[{{ a }}]", "5[]")]
    public void Render_MacroCallFilterGenerationWith_MatchJinja(string source, string expected)
        => Assert.Equal(expected, T.Render(source));

    [Theory]
    [InlineData("{% include 'x' %}", "unsupported statement 'include'")]
    [InlineData("{% extends 'x' %}", "unsupported statement 'extends'")]
    [InlineData("{% import 'x' as y %}", "unsupported statement 'import'")]
    [InlineData("{% do x.append(1) %}", "unsupported statement 'do'")]
    [InlineData("{% frobnicate %}", "unsupported statement 'frobnicate'")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "unsupported: recursive for loops ('recursive')")]
    [InlineData("{% break %}", "'break' outside of a loop")]
    [InlineData("{% if x %}", "unexpected end of template, expected 'elif' or 'else' or 'endif'")]
    [InlineData("{% endif %}", "unexpected 'endif'")]
    [InlineData("{{ x", "unexpected end of template, expected '}}'")]
    [InlineData("{{ 'abc }}", "unterminated string literal")]
    [InlineData("{{ f(*args) }}", "unsupported: *args and **kwargs in calls")]
    [InlineData("{# open", "missing end of comment tag '#}'")]
    public void Parse_BadOrUnsupportedSyntax_FailsWithClearMessage(string source, string reason)
    {
        var e = T.ParseFails(source);
        Assert.Equal(TemplateErrorKind.Syntax, e.Kind);
        Assert.Equal(reason, e.Reason);
        Assert.True(e.Line >= 1);
    }

    [Fact]
    public void Parse_ErrorOnLaterLine_ReportsLineAndColumn()
    {
        var e = T.ParseFails("a\nb\n   {{ 1 + }}");
        Assert.Equal(3, e.Line);
        Assert.Equal(11, e.Column);
    }

    [Fact]
    public void Render_RaiseExceptionFunction_ThrowsRaisedKindWithMessage()
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Render("{{ raise_exception('Only user and assistant roles are supported!') }}", [], false));
        Assert.Equal(TemplateErrorKind.Raised, e.Kind);
        Assert.Equal("Only user and assistant roles are supported!", e.Message);
    }

    [Fact]
    public void Render_ParsedTemplate_CanBeRenderedConcurrently()
    {
        var template = JinjaTemplate.Parse("{% set ns = namespace(n=0) %}{% for i in items %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}");
        Parallel.For(0, 64, i => Assert.Equal((i * (i + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), template.Render(new Dictionary<string, object?> { ["items"] = Enumerable.Range(1, i).ToList() })));
    }
}
