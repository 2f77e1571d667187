using System.Diagnostics;
using Bytez.Engine.Templating;

namespace Bytez.Engine.Tests.Templating;

/// <summary>Hostile templates end in a limit error, bounded in time, memory and stack; real ones stay well inside the defaults.</summary>
public sealed class TemplateLimitsTests
{
    private const long AllocationBound = 64L << 20;

    private static TemplateException RenderFailsWithin(string source, TemplateLimits? limits = null, long allocationBound = AllocationBound)
    {
        var template = JinjaTemplate.Parse(source, limits);
        var started = Stopwatch.GetTimestamp();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TemplateException>(() => template.Render(new Dictionary<string, object?>(), limits, TestContext.Current.CancellationToken));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < allocationBound, $"allocated {allocated:N0} bytes");
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "hang guard");
        Assert.Equal(TemplateErrorKind.Limit, e.Kind);
        return e;
    }

    [Fact]
    public void Render_NestedLoopsOfATenBillionSteps_StopsAtTheStepBudget()
    {
        var e = RenderFailsWithin("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}");

        Assert.Equal(TemplateLimit.Steps, e.Limit);
        Assert.Contains("step budget (1,000,000 steps)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_StringRepeatedAHundredMillionTimes_FailsBeforeAllocating()
    {
        var e = RenderFailsWithin("{{ 'xxxxxxxxxx' * 100000000 }}");

        Assert.Equal(TemplateLimit.OutputSize, e.Limit);
        Assert.Contains("size limit (1,048,576 characters or items)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ [1, 2] * 100000000 }}")]
    [InlineData("{{ 100000000 * 'x' }}")]
    [InlineData("{{ 'x' * 9223372036854775807 }}")]
    [InlineData("{{ ('x' * 600000) + ('x' * 600000) }}")]
    [InlineData("{{ ('x' * 600000) ~ ('x' * 600000) }}")]
    [InlineData("{{ ([1] * 600000) + ([1] * 600000) }}")]
    [InlineData("{{ 'x'|center(2000000000) }}")]
    [InlineData("{{ 'x'|center(9223372036854775807) }}")]
    [InlineData("{{ 'x'.center(2000000000) }}")]
    [InlineData("{{ 'x'.ljust(2000000000) }}")]
    [InlineData("{{ 'x'.rjust(2000000000) }}")]
    [InlineData("{{ 'x'.zfill(2000000000) }}")]
    [InlineData("{{ ('a\nb' * 300000)|indent(100) }}")]
    [InlineData("{{ 'x'|indent(2000000000, true) }}")]
    [InlineData("{{ ('x' * 1000000)|replace('x', 'yy') }}")]
    [InlineData("{{ ('x' * 1000000).replace('x', 'yy') }}")]
    [InlineData("{{ ('x' * 1000000)|replace('', 'y') }}")]
    [InlineData("{{ range(100000)|join('xxxxxxxxxxxxxxx') }}")]
    [InlineData("{{ 'xxxxxxxxxxxxxxx'.join(range(100000)|map('string')) }}")]
    [InlineData("{{ '%.999999999f' % 1.0 }}")]
    [InlineData("{{ '%s%s' % ('x' * 1000000, 'x' * 1000000) }}")]
    [InlineData("{{ '{}{}'.format('x' * 1000000, 'x' * 1000000) }}")]
    [InlineData("{{ ['x' * 500000] * 10 }}")]
    [InlineData("{{ (['x' * 500000] * 10)|tojson }}")]
    [InlineData("{{ {'a': 1}|tojson(indent=2000000000) }}")]
    [InlineData("{{ [1]|batch(100000000, 0) }}")]
    [InlineData("{% set ns = namespace(x='x') %}{% for i in range(64) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}")]
    [InlineData("{% set ns = namespace(x=[1]) %}{% for i in range(64) %}{% set ns.x = ns.x + ns.x %}{% endfor %}")]
    [InlineData("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}")]
    [InlineData("{% set s %}{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}{% endset %}")]
    [InlineData("{% macro m() %}{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}{% endmacro %}{{ m() }}")]
    public void Render_TemplateThatBuildsAHugeValue_FailsAtTheSizeLimitWithBoundedAllocation(string source)
        => Assert.Equal(TemplateLimit.OutputSize, RenderFailsWithin(source).Limit);

    [Theory]
    [InlineData("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}")]
    [InlineData("{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}")]
    [InlineData("{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|tojson }}")]
    [InlineData("{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x == ns.x }}")]
    [InlineData("{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ [ns.x, ns.x]|sort }}")]
    [InlineData("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}")]
    public void Render_UnboundedRecursion_FailsAtTheNestingLimit(string source)
        => Assert.Equal(TemplateLimit.Depth, RenderFailsWithin(source).Limit);

    [Fact]
    public void Render_OperatorChainLongerThanTheStackAllows_FailsInsteadOfOverflowingTheStack()
    {
        var source = "{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 300_000)) + " }}";

        Assert.Equal(TemplateLimit.Depth, RenderFailsWithin(source, new TemplateLimits { MaxSourceChars = 2 << 20 }).Limit);
    }

    [Fact]
    public void Render_PastTheDeadline_FailsAtTheTimeLimit()
    {
        var limits = new TemplateLimits { MaxSteps = long.MaxValue, Timeout = TimeSpan.FromMilliseconds(200) };

        // Unlimited steps: only the deadline bounds what the loop allocates.
        var e = RenderFailsWithin("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", limits, long.MaxValue);

        Assert.Equal(TemplateLimit.Time, e.Limit);
        Assert.Contains("time limit (200 ms)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_CallerCancels_StopsPromptly()
    {
        var limits = new TemplateLimits { MaxSteps = long.MaxValue, Timeout = TimeSpan.FromHours(1) };
        var template = JinjaTemplate.Parse("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", limits);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = Stopwatch.GetTimestamp();

        var render = Task.Run(() => template.Render(new Dictionary<string, object?>(), limits, cancel.Token), TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => render.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Render_HugeIntegerPower_AnswersWithoutLooping()
        => Assert.Equal("1|1.0715086071862673e+301", T.Render("{{ 1 ** 9223372036854775807 }}|{{ 2 ** 1000 }}"));

    [Theory]
    [InlineData(100_000, "(", ")")]
    [InlineData(100_000, "[", "]")]
    [InlineData(100_000, "- ", "")]
    [InlineData(100_000, "not ", "")]
    [InlineData(100_000, "{'a': ", "}")]
    public void Parse_DeeplyNestedExpression_FailsAtTheNestingLimit(int depth, string open, string close)
    {
        var source = "{{ " + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth)) + " }}";

        var e = Assert.Throws<TemplateException>(() => JinjaTemplate.Parse(source));

        Assert.Equal(TemplateLimit.Depth, e.Limit);
        Assert.Contains("nesting limit (100 levels)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeeplyNestedBlocks_FailsAtTheNestingLimit()
    {
        var source = string.Concat(Enumerable.Repeat("{% if true %}", 20_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 20_000));

        Assert.Equal(TemplateLimit.Depth, Assert.Throws<TemplateException>(() => JinjaTemplate.Parse(source)).Limit);
    }

    [Fact]
    public void Parse_SourceOverTheSizeLimit_Fails()
    {
        var e = Assert.Throws<TemplateException>(() => JinjaTemplate.Parse(new string('x', 1001), new TemplateLimits { MaxSourceChars = 1000 }));

        Assert.Equal(TemplateLimit.SourceSize, e.Limit);
    }

    [Fact]
    public void Parse_ManyAdjacentStringLiterals_ParsesInLinearTime()
    {
        var source = "{{ " + string.Concat(Enumerable.Repeat("'ab' ", 150_000)) + "}}";
        var started = Stopwatch.GetTimestamp();

        Assert.Equal(300_000, JinjaTemplate.Parse(source).Render(new Dictionary<string, object?>(), cancellationToken: TestContext.Current.CancellationToken).Length);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "hang guard");
    }

    [Fact]
    public void Validate_LimitOutOfRange_Throws()
    {
        new TemplateLimits().Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemplateLimits { MaxSteps = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemplateLimits { MaxOutputChars = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemplateLimits { MaxDepth = 5000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemplateLimits { Timeout = TimeSpan.Zero }.Validate());
    }

    public static TheoryData<string> RealTemplates() =>
    [
        FamilyTemplates.ChatMl, FamilyTemplates.Llama3, FamilyTemplates.Llama2, FamilyTemplates.Mistral, FamilyTemplates.Phi3,
        FamilyTemplates.Gemma, FamilyTemplates.Zephyr, FamilyTemplates.SmolLm2, FamilyTemplates.Qwen25Tools, FamilyTemplates.Llama31Tools,
    ];

    [Theory]
    [MemberData(nameof(RealTemplates))]
    public void Render_RealTemplateWithAThousandMessageConversation_StaysWellInsideTheDefaults(string source)
    {
        var messages = Enumerable.Range(0, 1000)
            .Select(i => (IReadOnlyDictionary<string, object?>)T.Msg(i % 2 == 0 ? "user" : "assistant", $"Message number {i}, with a few words of text in it."))
            .ToList();
        var tenth = new TemplateLimits { MaxSteps = 100_000, MaxOutputChars = 200_000, MaxDepth = 10 };

        var rendered = ChatTemplate.Parse(source, tenth).Render(messages, true, "<s>", "</s>", limits: tenth, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("Message number 999", rendered, StringComparison.Ordinal);
    }
}
