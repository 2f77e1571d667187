using System.Text.Json;
using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

public sealed class JinjaExpressionTests
{
    [Theory]
    [InlineData("1 + 2", "3")]
    [InlineData("7 // 2", "3")]
    [InlineData("-7 // 2", "-4")]
    [InlineData("-7 % 3", "2")]
    [InlineData("7 / 2", "3.5")]
    [InlineData("10 / 2", "5.0")]
    [InlineData("2 ** 10", "1024")]
    [InlineData("1.5 * 2", "3.0")]
    [InlineData("0.1 + 0.2", "0.30000000000000004")]
    [InlineData("1e-5", "1e-05")]
    [InlineData("100000000000000000.0", "1e+17")]
    [InlineData("- 2 ** 2", "4")]
    [InlineData("2 * 3 ** 2", "18")]
    [InlineData("'ab' * 3", "ababab")]
    [InlineData("'a' ~ 1 ~ none ~ true", "a1NoneTrue")]
    [InlineData("'a' ~ (1 + 2)", "a3")]
    [InlineData("[1, 2] + [3]", "[1, 2, 3]")]
    [InlineData("(1, 2)", "(1, 2)")]
    [InlineData("(1,)", "(1,)")]
    [InlineData("[1, 'a', none, true, 1.5]", "[1, 'a', None, True, 1.5]")]
    [InlineData("{'a': 1, 'b': [1, 2]}", "{'a': 1, 'b': [1, 2]}")]
    [InlineData("\"it's\"", "it's")]
    [InlineData("['it\\'s']", "[\"it's\"]")]
    [InlineData("'\\u00e9\\x41\\t|'", "éA\t|")]
    [InlineData("'a' 'b'", "ab")]
    [InlineData("1_000", "1000")]
    [InlineData("True ~ False ~ None", "TrueFalseNone")]
    public void Render_Arithmetic_And_Literals_MatchPython(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}"));

    [Theory]
    [InlineData("1 < 2 < 3", "True")]
    [InlineData("1 == 1.0", "True")]
    [InlineData("true == 1", "True")]
    [InlineData("'a' in 'cat'", "True")]
    [InlineData("2 not in [1, 3]", "True")]
    [InlineData("'k' in {'k': 1}", "True")]
    [InlineData("[1, 2] < [1, 3]", "True")]
    [InlineData("not 1 == 2", "True")]
    [InlineData("1 and 2", "2")]
    [InlineData("0 or 'x'", "x")]
    [InlineData("'yes' if 0 else 'no'", "no")]
    [InlineData("'yes' if 0", "")]
    [InlineData("(1 + 2) | string ~ 'x'", "3x")]
    [InlineData("'abc' | length > 2", "True")]
    [InlineData("-3 | abs", "3")]
    public void Render_LogicAndPrecedence_MatchJinja(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}"));

    [Theory]
    [InlineData("[1, 2, 3][1:]", "[2, 3]")]
    [InlineData("[1, 2, 3][::-1]", "[3, 2, 1]")]
    [InlineData("[1, 2, 3][-1]", "3")]
    [InlineData("[1, 2, 3][:-1]", "[1, 2]")]
    [InlineData("[0, 1, 2, 3, 4, 5][1:5:2]", "[1, 3]")]
    [InlineData("[0, 1, 2, 3, 4, 5][-1:0:-2]", "[5, 3, 1]")]
    [InlineData("'hello'[1:3]", "el")]
    [InlineData("'hello'[::-1]", "olleh")]
    [InlineData("'abc'[-2:]", "bc")]
    [InlineData("[1, 2, 3][5]", "")]
    [InlineData("d.k ~ d['k'] ~ d.get('k')", "vvv")]
    [InlineData("d.missing", "")]
    [InlineData("d.missing is defined", "False")]
    [InlineData("lst.0", "x")]
    public void Render_AttributeItemAndSlice_MatchJinja(string expression, string expected)
        => Assert.Equal(expected, T.Render("{{ " + expression + " }}", ("d", new Dictionary<string, object?> { ["k"] = "v" }), ("lst", new List<string> { "x", "y" })));

    [Theory]
    [InlineData("1 is odd")]
    [InlineData("2 is even")]
    [InlineData("9 is divisibleby 3")]
    [InlineData("9 is divisibleby(3)")]
    [InlineData("x is undefined")]
    [InlineData("none is none")]
    [InlineData("'a' is string")]
    [InlineData("{} is mapping")]
    [InlineData("[] is iterable")]
    [InlineData("'abc' is sequence")]
    [InlineData("1.5 is number")]
    [InlineData("1 is integer")]
    [InlineData("true is boolean")]
    [InlineData("true is true")]
    [InlineData("false is false")]
    [InlineData("1 is equalto 1")]
    [InlineData("1 is eq 1")]
    [InlineData("range is callable")]
    [InlineData("'a' is not mapping")]
    [InlineData("3 is gt 2")]
    [InlineData("'abc' is lower")]
    [InlineData("1 is not string and 2 is even")]
    public void Render_Test_IsTrue(string expression)
        => Assert.Equal("True", T.Render("{{ " + expression + " }}"));

    [Fact]
    public void Render_UndefinedVariable_IsEmptyFalsyAndNotDefined()
        => Assert.Equal("[]|F|undef|0|", T.Render("[{{ nope }}]|{{ 'T' if nope else 'F' }}|{{ 'def' if nope is defined else 'undef' }}|{{ nope | length }}|{% for x in nope %}x{% endfor %}"));

    [Fact]
    public void Render_AttributeOfUndefined_FailsLikeJinja()
    {
        var e = T.RenderFails("{{ nope.attr }}");
        Assert.Equal(TemplateErrorKind.Render, e.Kind);
        Assert.Equal("'nope' is undefined", e.Reason);
    }

    [Fact]
    public void Render_AttributeOfMissingAttribute_FailsNamingIt()
        => Assert.Equal("'dict object' has no attribute 'missing'", T.RenderFails("{{ m.missing.x }}", ("m", new Dictionary<string, object?>())).Reason);

    [Fact]
    public void Render_ArithmeticOnUndefined_Fails()
        => Assert.Equal("'nope' is undefined", T.RenderFails("{{ nope + 1 }}").Reason);

    [Theory]
    [InlineData("1 + 2 | string")]
    [InlineData("'a' ~ 1 + 2")]
    public void Render_FilterAndConcatBindTighterThanPlus_FailsOnMixedTypes(string expression)
        => T.RenderFails("{{ " + expression + " }}");

    [Fact]
    public void Render_StringPlusNone_FailsLikePython()
        => Assert.Equal("can only concatenate str (not \"NoneType\") to str", T.RenderFails("{{ 'a' + none }}").Reason);

    [Fact]
    public void Render_ListAppend_IsRefusedByTheImmutableSandbox()
        => Assert.Contains("unsafe", T.RenderFails("{{ [1].append(2) }}").Reason, StringComparison.Ordinal);

    [Fact]
    public void Render_RuntimeError_CarriesLineOfTheStatement()
        => Assert.Equal(2, T.RenderFails("ok\n{{ 1 / 0 }}").Line);

    [Fact]
    public void Render_AttributeOfNone_IsUndefinedNotAnError()
        => Assert.Equal("[]", T.Render("[{{ x.y }}]", ("x", null)));

    [Fact]
    public void Render_JsonElementValues_BehaveAsNativeValues()
    {
        using var doc = JsonDocument.Parse("""{"s": "text", "n": 3, "f": 1.5, "b": true, "z": null, "l": [1, "a"], "o": {"k": "v"}}""");
        var source = "{{ v.s|upper }}|{{ v.n * 2 }}|{{ v.f }}|{{ v.b }}|{{ v.z is none }}|{{ v.l|length }}|{{ v.l[1] }}|{{ v.o.k }}|{{ v.o|tojson }}|{{ v.o is mapping }}";
        Assert.Equal("TEXT|6|1.5|True|True|2|a|v|{\"k\": \"v\"}|True", T.Render(source, ("v", doc.RootElement)));
    }

    [Fact]
    public void Render_NetCollections_AreListsAndDictionaries()
        => Assert.Equal("3|b|2", T.Render("{{ a|sum }}|{{ d['x'] }}|{{ d|length }}", ("a", new[] { 1, 2 }), ("d", new Dictionary<string, string> { ["x"] = "b", ["y"] = "c" })));

    [Fact]
    public void Render_TemplateFunction_IsCallable()
    {
        TemplateFunction add = (args, kwargs) => (long)args[0]! + (long)(kwargs.TryGetValue("b", out var b) ? b! : 0L);
        Assert.Equal("5", T.Render("{{ add(2, b=3) }}", ("add", add)));
    }
}
