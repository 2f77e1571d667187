using System.Diagnostics;
using System.Net;
using System.Text;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>These tests measure the process's memory and CPU, so nothing else runs beside them.</summary>
[CollectionDefinition(nameof(ProcessMeasuringCollection), DisableParallelization = true)]
public sealed class ProcessMeasuringCollection;

/// <summary>Tiny GGUF chat models whose chat templates are hostile, on a real server.</summary>
public sealed class EvilTemplateServer : IAsyncLifetime
{
    /// <summary>The hostile templates by model id.</summary>
    public static readonly IReadOnlyDictionary<string, string> Templates = new Dictionary<string, string>
    {
        ["local/evil-loop"] = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
        ["local/evil-spin"] = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        ["local/evil-repeat"] = "{{ 'xxxxxxxxxx' * 100000000 }}",
        ["local/evil-doubling"] = "{% set ns = namespace(x='x') %}{% for i in range(64) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}",
        ["local/evil-parentheses"] = "{{ " + new string('(', 20_000) + "1" + new string(')', 20_000) + " }}",
        ["local/evil-ifs"] = string.Concat(Enumerable.Repeat("{% if true %}", 5_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 5_000)),
        ["local/evil-recursion"] = "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
    };

    private string _root = null!;

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <summary>Writes the models and starts the server with <paramref name="settings"/>.</summary>
    public static async Task<(TestServer Server, string Root)> StartAsync(IReadOnlyDictionary<string, string> templates, IDictionary<string, string?>? settings = null)
    {
        var root = Directory.CreateTempSubdirectory("bytez-evil-templates-").FullName;
        var models = Path.Combine(root, "models");
        foreach (var (id, template) in templates)
        {
            var file = Path.Combine(root, "files", id.Replace('/', '-') + ".gguf");
            var model = GgufModelWriter.WriteTinyLlama(file, new GgufTinyOptions { ContextLength = 256, ChatTemplate = template });
            using var output = new StringWriter();
            using var error = new StringWriter();
            Assert.Equal(0, AddModelCommand.Run([model.Path, "--id", id, $"--Bytez:ModelsPath={models}"], output, error));
        }

        var all = new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:LlamaCpp:Threads"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return (await TestServer.StartAsync(all), root);
    }

    public async ValueTask InitializeAsync() => (Server, _root) = await StartAsync(Templates);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>A hostile chat template costs a 400 naming the limit, in seconds and bounded memory; the server lives on.</summary>
[Collection(nameof(ProcessMeasuringCollection))]
public sealed class ChatTemplateLimitsTests(EvilTemplateServer fixture) : IClassFixture<EvilTemplateServer>
{
    private const string Chat = """{"messages": [{"role": "user", "content": "Hello"}], "params": {"max_new_tokens": 1}}""";

    [Theory]
    [InlineData("local/evil-loop", "step budget (1,000,000 steps; Bytez:Templates:MaxSteps)")]
    [InlineData("local/evil-repeat", "characters or items; Bytez:Templates:MaxOutputChars)")]
    [InlineData("local/evil-doubling", "Bytez:Templates:MaxOutputChars")]
    [InlineData("local/evil-parentheses", "nesting limit (100 levels; Bytez:Templates:MaxDepth)")]
    [InlineData("local/evil-ifs", "nesting limit (100 levels; Bytez:Templates:MaxDepth)")]
    [InlineData("local/evil-recursion", "nesting limit (100 levels; Bytez:Templates:MaxDepth)")]
    public async Task Run_ChatWithAHostileTemplate_Answers400NamingTheLimitInSecondsWithBoundedMemory(string model, string limit)
    {
        using var client = fixture.Server.CreateHttpClient();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(10, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);
        var started = Stopwatch.GetTimestamp();

        var (status, body, _) = await PostAsync(client, model, Chat);

        var elapsed = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = AssertErrorEnvelope(body);
        Assert.StartsWith("The model's chat template exceeded its ", message, StringComparison.Ordinal);
        Assert.Contains(limit, message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"answered after {elapsed} (a hang guard: the render's deadline is 5 s)");
        Assert.True(peak - baseline < 200L << 20, $"the working set grew by {(peak - baseline) >> 20} MB");
    }

    [Fact]
    public async Task Run_AfterHostileTemplates_TheServerStillAnswersText()
    {
        using var client = fixture.Server.CreateHttpClient();
        await PostAsync(client, "local/evil-repeat", Chat);

        var (status, body, _) = await PostAsync(client, "local/evil-repeat", """{"text": "Once upon a time", "params": {"max_new_tokens": 2}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Once upon a time", AssertOutput(body).GetString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// With the step budget and deadline raised out of the way, a client that leaves mid-render stops the render. The
/// model's one instance serves one request at a time, so a text request is served only once no render holds it:
/// an observable that does not depend on how busy the machine is (as CPU time would).
/// </summary>
[Collection(nameof(ProcessMeasuringCollection))]
public sealed class ChatTemplateDisconnectTests : IAsyncLifetime
{
    private const string Model = "local/evil-spin";
    private const string Text = """{"text": "Hi", "params": {"max_new_tokens": 1}}""";

    private TestServer _server = null!;
    private string _root = null!;

    public async ValueTask InitializeAsync()
        => (_server, _root) = await EvilTemplateServer.StartAsync(
            new Dictionary<string, string> { [Model] = EvilTemplateServer.Templates[Model] },
            new Dictionary<string, string?>
            {
                ["Bytez:Templates:MaxSteps"] = "1000000000000",
                ["Bytez:Templates:Timeout"] = "01:00:00",
                ["Bytez:Scheduler:ConcurrencyPerInstance"] = "1",
                ["Bytez:Scheduler:QueueLimit"] = "4",
                ["Bytez:Scheduler:MaxInstancesPerModel"] = "1",
            });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Run_ClientDisconnectsMidRender_TheRenderStopsAndFreesTheInstance()
    {
        using var client = _server.CreateHttpClient();
        var (loaded, _, _) = await PostAsync(client, Model, Text);
        Assert.Equal(HttpStatusCode.OK, loaded);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, Model)
        {
            Content = new StringContent("""{"messages": [{"role": "user", "content": "Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        var send = client.SendAsync(request, leave.Token);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.False(send.IsCompleted, "the render should still be running while the client waits");

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);

        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        waiting.CancelAfter(TimeSpan.FromSeconds(20));
        using var next = await client.PostAsync(Model, new StringContent(Text, Encoding.UTF8, "application/json"), waiting.Token);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
