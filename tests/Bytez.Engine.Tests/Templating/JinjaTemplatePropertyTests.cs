using Bytez.Testing.Properties;
using System.Diagnostics;
using Bytez.Engine.Templating;
using CsCheck;

namespace Bytez.Engine.Tests.Templating;

/// <summary>
/// Untrusted template sources (random tokens of Jinja's grammar, random expression trees, mutations of real chat
/// templates) parsed and rendered with random conversations under small limits: only a <see cref="TemplateException"/>
/// ever escapes, and what a render allocates stays bounded.
/// </summary>
public sealed class JinjaTemplatePropertyTests
{
    private const long AllocationBound = 48L << 20;

    private static readonly TimeSpan TimeCap = TimeSpan.FromSeconds(8);

    private static readonly TemplateLimits Small = new()
    {
        MaxSteps = 20_000,
        MaxOutputChars = 50_000,
        MaxDepth = 30,
        MaxSourceChars = 20_000,
        Timeout = TimeSpan.FromSeconds(2),
    };

    private static readonly string[] Vocabulary =
    [
        "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "{%+", "{% raw %}", "{% endraw %}",
        "for", "in", "if", "elif", "else", "endif", "endfor", "set", "endset", "macro", "endmacro", "call", "endcall",
        "filter", "endfilter", "with", "endwith", "break", "continue", "generation", "endgeneration", "recursive",
        "namespace(", "range(", "dict(", "joiner(", "loop.index", "loop.cycle(", "loop.previtem", "caller(",
        "messages", "message", "message['content']", "message.role", "m", "x", "ns", "ns.x", "add_generation_prompt",
        "raise_exception(", "strftime_now(", "bos_token", "tools", "=", "==", "!=", "<", ">=", "(", ")", "[", "]", "{",
        "}", ",", ":", ".", "|", "~", "+", "-", "*", "**", "/", "//", "%", "is", "not", "and", "or", "defined", "none",
        "true", "'a'", "\"b\"", "'%s%d%.3f'", "'{}{0}{x}'", "'\\U0010ffff'", "'\\UFFFFFFFF'", "'\\x4'", "'\\u12'", "'", "\"",
        "0", "1", "-1", "2", "99999999999", "9223372036854775807", "1.5", "1e308", "1_0", "0.", "trim", "tojson",
        "join", "length", "center", "indent", "replace", "batch", "format", "truncate", "round", "int", "float", "sort",
        "unique", "map", "select", "selectattr", "rejectattr", "items", "dictsort", "first", "last", "list", "string",
        "default", "sum", "min", "max", "reverse", "wordcount", "title", "upper", "abs", "attr", "count", "escape",
        ".split(", ".strip(", ".startswith(", ".format(", ".ljust(", ".zfill(", ".center(", ".replace(", ".join(",
        ".items()", ".get(", ".keys()", ".index(", ".count(", ".splitlines(", ".partition(", ".title()", ".rsplit(",
        "hello", " ", "\n", "\r\n", "\t", "😀", "\\",
    ];

    private static readonly string[] RealTemplates =
    [
        FamilyTemplates.ChatMl, FamilyTemplates.Llama3, FamilyTemplates.Llama2, FamilyTemplates.Mistral, FamilyTemplates.Phi3,
        FamilyTemplates.Gemma, FamilyTemplates.Zephyr, FamilyTemplates.SmolLm2, FamilyTemplates.Qwen25Tools,
        FamilyTemplates.Llama31Tools, FamilyTemplates.BlockContentMacro,
    ];

    private static readonly Gen<object?> Content = Gen.OneOf(
        Gen.OneOf<object?>("", "hi", "{{ x }}", "a\nb\n", "😀 ünï", null, 3L, 2.5, true),
        Gen.String[Gen.Char.AlphaNumeric, 0, 40].Select(s => (object?)s),
        Gen.Int[0, 3].Select(n => (object?)Enumerable.Range(0, n).Select(i => (object?)new Dictionary<string, object?> { ["type"] = "text", ["text"] = $"t{i}" }).ToList()));

    private static readonly Gen<List<IReadOnlyDictionary<string, object?>>> Conversations =
        Gen.Select(Gen.OneOf("user", "assistant", "system", "tool", "USER", ""), Content,
                (role, content) => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["role"] = role, ["content"] = content })
            .List[0, 6];

    private static readonly Gen<string> TokenSources =
        Gen.Select(Gen.OneOf(Vocabulary).Array[1, 60], Gen.OneOf("", " ").Array[60])
            .Select((tokens, seps) => string.Concat(tokens.Select((t, i) => t + seps[i])));

    private static readonly Gen<string> Literals = Gen.OneOf(
        "0", "1", "-1", "3", "100000", "9223372036854775807", "-9223372036854775808", "1.5", "-0.0", "1e308", "'ab'",
        "'x' * 1000", "''", "'%s'", "'{}'", "none", "true", "[]", "[1, 'a', none]", "{}", "{'a': [1, {'b': 2}]}", "(1,)",
        "messages", "messages[0]", "messages[-1]['content']", "ns", "ns.x", "loop", "range(5)", "range(100000)", "x",
        "undefined_name");

    private static readonly string[] BinaryOps = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "in", "and", "or", "is defined", "not in"];

    private static readonly string[] Tails =
    [
        "|trim", "|tojson", "|tojson(indent=1000000000)", "|join(', ')", "|length", "|center(1000000000)", "|center(-5)",
        "|indent(1000000000)", "|indent('  ', true)", "|replace('a', 'bb')", "|replace('', 'x')", "|batch(3, 0)",
        "|batch(1000000000, 0)", "|batch(0)", "|format(1, 2)", "|truncate(-1)", "|truncate(3, true, '...', -5)",
        "|round(100000)", "|round(-100000, 'ceil')", "|int", "|int(0, 36)", "|int(0, 1)", "|float", "|sort", "|sort(attribute='a')",
        "|unique", "|map('upper')", "|map(attribute='role')", "|select('odd')", "|selectattr('role', 'equalto', 'user')",
        "|items", "|dictsort", "|first", "|last", "|list", "|string", "|default('d')", "|sum", "|sum(start=[])", "|min",
        "|max", "|reverse", "|wordcount", "|title", "|abs", "|attr('x')", "|count", "|escape", "[0]", "[-1]", "[1:]",
        "[::-1]", "[::9223372036854775807]", "[-9223372036854775808:9223372036854775807:3]", "['role']", ".role",
        ".split()", ".split('')", ".strip('ab')", ".startswith(('a', 1))", ".format(1, x=2)", ".ljust(1000000000, 'x')",
        ".ljust(5, '')", ".zfill(1000000000)", ".center(7, 'ab')", ".replace('a', 'b', -1)", ".join([1, 2])",
        ".items()", ".get('a')", ".keys()", ".index(1)", ".count('a')", ".splitlines(true)", ".partition('')",
        ".rsplit(none, 1)", "(1)", "()", " is string", " is divisibleby 0", " is sameas none",
    ];

    private static readonly Gen<string> Expressions = Gen.Recursive<string>((depth, self) => depth >= 4
        ? Literals
        : Gen.Frequency(
            (3, (IGen<string>)Literals),
            (3, Gen.Select(self, Gen.OneOf(BinaryOps), self, (a, op, b) => op.StartsWith("is", StringComparison.Ordinal) ? $"({a} {op})" : $"({a} {op} {b})")),
            (3, Gen.Select(self, Gen.OneOf(Tails), (a, t) => $"({a}){t}")),
            (1, Gen.Select(self, self, (a, b) => $"[{a}, {b}]")),
            (1, Gen.Select(self, self, self, (a, b, c) => $"({a} if {b} else {c})")),
            (1, self.Select(a => $"(not {a})")),
            (1, self.Select(a => $"(-{a})"))));

    private static readonly Gen<string> Programs = Gen.Select(Expressions, Expressions, Expressions, Gen.Int[0, 5], (a, b, c, shape) => shape switch
    {
        0 => $"{{{{ {a} }}}}",
        1 => $"{{% set ns = namespace(x={a}) %}}{{% for m in {b} %}}{{% set ns.x = {c} %}}{{{{ ns.x }}}}{{% endfor %}}{{{{ ns.x }}}}",
        2 => $"{{% for m in messages %}}{{% if {a} %}}{{{{ {b} }}}}{{% else %}}{{{{ {c} }}}}{{% endif %}}{{% endfor %}}",
        3 => $"{{% macro f(x, y=1) %}}{{{{ {a} }}}}{{{{ caller() if caller is defined }}}}{{% endmacro %}}{{{{ f({b}) }}}}{{% call f({c}) %}}in{{% endcall %}}",
        4 => $"{{% set x %}}{{{{ {a} }}}}{{% endset %}}{{% filter upper %}}{{{{ x ~ {b} }}}}{{% endfilter %}}{{% with y = {c} %}}{{{{ y }}}}{{% endwith %}}",
        _ => $"{{% for x in {a} if {b} %}}{{{{ loop.index }}}}{{{{ {c} }}}}{{% if loop.last %}}{{% break %}}{{% endif %}}{{% else %}}none{{% endfor %}}",
    });

    private static readonly Gen<string> Mutants = Gen.Select(
            Gen.OneOf(RealTemplates),
            Gen.Select(Gen.Int[0, 4], Gen.Double[0, 1], Gen.Double[0, 1], Gen.OneOf(Vocabulary)).Array[1, 4],
            (source, edits) => edits.Aggregate(source, Mutate));

    private static string Mutate(string s, (int Kind, double At, double Length, string Token) edit)
    {
        var at = (int)(edit.At * s.Length);
        var length = Math.Min(s.Length - at, (int)(edit.Length * 40));
        return edit.Kind switch
        {
            0 => s.Remove(at, length),
            1 => s.Insert(at, edit.Token),
            2 => s.Insert(at, s.Substring(at, length)),
            3 => s.Remove(at, length).Insert(at, edit.Token),
            _ => s.Insert(at, s[..Math.Min(s.Length, length * 10)]),
        };
    }

    [Fact]
    public void Render_RandomTokenSources_OnlyTemplateErrorsAndBoundedAllocation()
        => Check(TokenSources, "0000000000001");

    [Fact]
    public void Render_RandomExpressionPrograms_OnlyTemplateErrorsAndBoundedAllocation()
        => Check(Programs, "0000000000002");

    [Fact]
    public void Render_MutatedRealChatTemplates_OnlyTemplateErrorsAndBoundedAllocation()
        => Check(Mutants, "0000000000003");

    [Theory]
    [InlineData("{{ 1 is divisibleby 0 }}")]
    [InlineData("{{ [1, 'a']|sort }}")]
    [InlineData("{{ {'a': 1, 'b': 'x'}|dictsort(by='value') }}")]
    [InlineData("{{ 'FFFFFFFFFFFFFFFFFFFFFFFF'|int(0, 16) }}")]
    [InlineData("{{ 'x'|truncate(9223372036854775807) }}")]
    [InlineData("{{ 'x'.ljust(5, '') }}")]
    [InlineData("{{ '\\UFFFFFFFF' }}")]
    [InlineData("{{ 'abc'[::9223372036854775807] }}")]
    [InlineData("{{ range(0, 9223372036854775807, 4611686018427387904) }}")]
    [InlineData("{{ 2 ** 64 }}")]
    public void Render_InputsThePropertiesFound_FailOnlyWithTemplateErrorsOrRender(string source)
    {
        try
        {
            JinjaTemplate.Parse(source).Render(new Dictionary<string, object?>(), cancellationToken: TestContext.Current.CancellationToken);
        }
        catch (TemplateException)
        {
        }
    }

    /// <summary>
    /// Parses and renders each source from a fixed seed (every input from one PCG, so a run is the same everywhere),
    /// for <see cref="TimeCap"/> at most; a failure names the input.
    /// </summary>
    private static void Check(Gen<string> sources, string seed)
    {
        var gen = Gen.Select(sources, Conversations, Gen.Bool);
        var iterations = 0;
        PropertyCheck.Run(gen, input =>
        {
            iterations++;
            var (source, messages, generationPrompt) = input;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                ChatTemplate.Parse(source, Small).Render(messages, generationPrompt, "<s>", "</s>", limits: Small, cancellationToken: TestContext.Current.CancellationToken);
            }
            catch (TemplateException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message} escaped from the template:\n{source}\n{e.StackTrace}");
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < AllocationBound, $"{allocated:N0} bytes allocated by the template:\n{source}");
        }, seed, iterations: 20_000, TimeCap, print: input => input.Item1);

        Assert.True(iterations >= 50, $"only {iterations} iterations ran");
    }
}
