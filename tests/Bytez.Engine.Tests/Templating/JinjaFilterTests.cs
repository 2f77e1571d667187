namespace Bytez.Engine.Tests.Templating;

public sealed class JinjaFilterTests
{
    [Theory]
    [InlineData("'  a b '|trim", "a b")]
    [InlineData("'xxaxx'|trim('x')", "a")]
    [InlineData("'hello world'|title", "Hello World")]
    [InlineData("'hELLO'|capitalize", "Hello")]
    [InlineData("'x'|upper ~ 'Y'|lower", "Xy")]
    [InlineData("[3, 1, 2]|sort", "[1, 2, 3]")]
    [InlineData("['b', 'A', 'c']|sort", "['A', 'b', 'c']")]
    [InlineData("[3, 1, 2]|sort(reverse=true)", "[3, 2, 1]")]
    [InlineData("[{'n': 2}, {'n': 1}]|sort(attribute='n')|map(attribute='n')|join", "12")]
    [InlineData("'abc'|reverse", "cba")]
    [InlineData("[1, 2, 3]|reverse|list", "[3, 2, 1]")]
    [InlineData("[1, 2, 3]|first ~ [1, 2, 3]|last", "13")]
    [InlineData("[1, 2, 3]|join(', ')", "1, 2, 3")]
    [InlineData("[1, 2, 3]|length ~ 'héllo'|count", "35")]
    [InlineData("'3.7'|int ~ 'x'|int ~ '3.7'|float", "303.7")]
    [InlineData("3.14159|round(2)", "3.14")]
    [InlineData("2.5|round", "2.0")]
    [InlineData("'a-b'|replace('-', '+')", "a+b")]
    [InlineData("'aaa'|replace('a', 'b', 2)", "bba")]
    [InlineData("{'b': 2, 'a': 1}|dictsort", "[('a', 1), ('b', 2)]")]
    [InlineData("{'b': 2, 'a': 1}|items|list", "[('b', 2), ('a', 1)]")]
    [InlineData("[1, 2, 2, 1]|unique|list", "[1, 2]")]
    [InlineData("['A', 'a']|unique|list", "['A']")]
    [InlineData("'a b  c'|wordcount", "3")]
    [InlineData("'abc'|center(9)", "   abc   ")]
    [InlineData("[1, 2, 3, 4, 5]|batch(2)|list", "[[1, 2], [3, 4], [5]]")]
    [InlineData("nope|default('d')", "d")]
    [InlineData("''|default('d')", "")]
    [InlineData("''|default('d', true)", "d")]
    [InlineData("none|d('x')", "None")]
    [InlineData("[1, 2, 3]|select('odd')|list", "[1, 3]")]
    [InlineData("[1, 2, 3]|reject('odd')|list", "[2]")]
    [InlineData("[{'a': 1}, {'a': 2}]|map(attribute='a')|list", "[1, 2]")]
    [InlineData("[{'a': 1}, {}]|map(attribute='a', default=0)|list", "[1, 0]")]
    [InlineData("['a', 'b']|map('upper')|list", "['A', 'B']")]
    [InlineData("[{'r': 'u'}, {'r': 'a'}]|selectattr('r', 'equalto', 'u')|list", "[{'r': 'u'}]")]
    [InlineData("[{'r': 'u'}, {'r': 'a'}]|rejectattr('r', '==', 'u')|list", "[{'r': 'a'}]")]
    [InlineData("[{'x': 1}, {'r': 'a'}]|selectattr('x', 'defined')|list", "[{'x': 1}]")]
    [InlineData("[{'x': 1}, {'x': 0}]|selectattr('x')|list|length", "1")]
    [InlineData("'a\\nb'|indent(2)", "a\n  b")]
    [InlineData("'a\\nb'|indent(2, true)", "  a\n  b")]
    [InlineData("'a\\n\\nb'|indent(2, blank=true)", "a\n  \n  b")]
    [InlineData("'<a>'|e ~ '<a>'|safe", "&lt;a&gt;<a>")]
    [InlineData("[1, 2]|string", "[1, 2]")]
    [InlineData("[1, 2, 3]|sum ~ [1, 5, 3]|max ~ [1, 5, 3]|min", "651")]
    [InlineData("'%s is %d'|format('x', 3)", "x is 3")]
    [InlineData("'abc'|list", "['a', 'b', 'c']")]
    public void Render_Filter_MatchesJinja(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}"));

    [Theory]
    [InlineData("{'a': [1, 2.0, 'é', none, true]}|tojson", "{\"a\": [1, 2.0, \"é\", null, true]}")]
    [InlineData("{'a': {'b': 1}}|tojson(indent=2)", "{\n  \"a\": {\n    \"b\": 1\n  }\n}")]
    [InlineData("[]|tojson(indent=2)", "[]")]
    [InlineData("'<>&\\'\"\\n'|tojson", "\"<>&'\\\"\\n\"")]
    [InlineData("{'b': 1, 'a': 2}|tojson(sort_keys=true)", "{\"a\": 2, \"b\": 1}")]
    [InlineData("[1, 2]|tojson(separators=(',', ':'))", "[1,2]")]
    [InlineData("'é'|tojson(ensure_ascii=true)", "\"\\u00e9\"")]
    public void Render_Tojson_IsPythonJsonDumpsLikeTransformers(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}"));

    [Fact]
    public void Render_TojsonOfUndefined_Fails()
        => T.RenderFails("{{ nope|tojson }}");

    [Theory]
    [InlineData("'a,b,c'.split(',')", "['a', 'b', 'c']")]
    [InlineData("'a b  c '.split()", "['a', 'b', 'c']")]
    [InlineData("'a,b,c'.split(',', 1)", "['a', 'b,c']")]
    [InlineData("'a,b,c'.rsplit(',', 1)", "['a,b', 'c']")]
    [InlineData("'x</think>\\n\\nanswer'.split('</think>')[-1].lstrip('\\n')", "answer")]
    [InlineData("'  x  '.strip() ~ '|'", "x|")]
    [InlineData("'xxyxx'.strip('x')", "y")]
    [InlineData("'xy'.lstrip('x') ~ 'xy'.rstrip('y')", "yx")]
    [InlineData("'abc'.startswith('a') ~ 'abc'.startswith(('x', 'a')) ~ 'abc'.endswith('bc')", "TrueTrueTrue")]
    [InlineData("'aBc'.upper() ~ 'ABC'.lower() ~ 'hello world'.title() ~ 'hI'.capitalize()", "ABCabcHello WorldHi")]
    [InlineData("'abc'.replace('b', 'B') ~ 'abc'.find('c') ~ 'abca'.count('a')", "aBc22")]
    [InlineData("'-'.join(['a', 'b'])", "a-b")]
    [InlineData("'{} and {}'.format(1, 'b') ~ '{0}{name}'.format(1, name='n')", "1 and b1n")]
    [InlineData("{'a': 1}.get('b') ~ {'a': 1}.get('b', 2)", "None2")]
    [InlineData("{'a': 1}.keys()|list ~ {'a': 1}.values()|list ~ {'a': 1}.items()|list", "['a'][1][('a', 1)]")]
    public void Render_PythonMethods_MatchPython(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}"));

    [Fact]
    public void Parse_UnknownFilter_FailsNamingIt()
    {
        var e = T.ParseFails("{{ x | frobnicate }}");
        Assert.Equal("unsupported filter 'frobnicate'", e.Reason);
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void Parse_UnknownTest_FailsNamingIt()
        => Assert.Equal("unsupported test 'shiny'", T.ParseFails("{{ x is shiny }}").Reason);
}
