using System.Net;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Conformance;

/// <summary>
/// token-classification and question-answering through the official bytez.js 3.0.0 client and through our SDK
/// (<c>GetEntities()</c>, <c>GetAnswer()</c>, <c>GetAnswers()</c>), on the tiny designed models of
/// <see cref="EncoderTaskServer"/>; expected values are the designs', in closed form.
/// </summary>
public sealed class EncoderTaskConformanceTests(EncoderTaskConformanceTests.Fixture fixture) : IClassFixture<EncoderTaskConformanceTests.Fixture>
{
    private const string Question = "what is the capital of france?";
    private const string Context = "the capital is paris, france.";

    /// <summary>The probability of the label with logit 5 when the other eight of the NER labels are 0.</summary>
    private static readonly float Sure = Float32Expected.Softmax(5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)[0];

    /// <summary>The design's answer score for <see cref="Context"/>: p(paris) × p(france) over [CLS] and 7 context tokens.</summary>
    private static readonly float AnswerScore = Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[4] * Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[4];

    private TestServer Server => fixture.Tasks.Server;

    [Fact]
    public async Task JsClient_TokenClassification_EntitiesPerToken()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = EncoderTaskServer.Ner, input = "johnny lives in paris" });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var items = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["B-PER", "I-PER", "B-LOC"], items.Select(i => i.GetProperty("entity").GetString()));
        Assert.Equal(["john", "##ny", "paris"], items.Select(i => i.GetProperty("word").GetString()));
        Assert.Equal([1, 2, 5], items.Select(i => i.GetProperty("index").GetInt32()));
        Assert.Equal([(0, 4), (4, 6), (16, 21)], items.Select(i => (i.GetProperty("start").GetInt32(), i.GetProperty("end").GetInt32())));
        Assert.All(items, i => Assert.Equal(Sure, i.GetProperty("score").GetDouble(), 2e-7));
    }

    [Fact]
    public async Task JsClient_TokenClassificationWithParams_GroupsEntities()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = EncoderTaskServer.NerAlias,
            input = "johnny lives in paris",
            @params = new Dictionary<string, object> { ["aggregation_strategy"] = "simple" },
        });

        var items = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["PER", "LOC"], items.Select(i => i.GetProperty("entity_group").GetString()));
        Assert.Equal(["johnny", "paris"], items.Select(i => i.GetProperty("word").GetString()));
    }

    [Fact]
    public async Task JsClient_QuestionAnswering_TheDesignedAnswer()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = EncoderTaskServer.Qa, input = new { question = Question, context = Context } });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var output = result.GetProperty("output");
        Assert.Equal("paris, france", output.GetProperty("answer").GetString());
        Assert.Equal(15, output.GetProperty("start").GetInt32());
        Assert.Equal(28, output.GetProperty("end").GetInt32());
        Assert.Equal(AnswerScore, output.GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task JsClient_QuestionAnsweringWithoutContext_ErrorNamesIt()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = EncoderTaskServer.Qa, input = new { question = Question } });

        Assert.Contains("`context` missing", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_GetEntities_TypedEntities()
    {
        using var client = CreateClient();

        var result = await client.Model(EncoderTaskServer.Ner).RunAsync("😀 john lives in paris", cancellationToken: TestContext.Current.CancellationToken);

        var entities = result.GetEntities();
        Assert.Equal(["B-PER", "B-LOC"], entities.Select(e => e.Label));
        Assert.Equal(["john", "paris"], entities.Select(e => e.Word));
        Assert.Equal([(2, 6), (16, 21)], entities.Select(e => (e.Start ?? -1, e.End ?? -1))); // code points: the emoji counts once
        Assert.Equal([2, 5], entities.Select(e => e.Index ?? -1));
        Assert.All(entities, e => Assert.Equal(Sure, e.Score, 2e-7));
    }

    [Fact]
    public async Task Sdk_GetEntities_Grouped()
    {
        using var client = CreateClient();

        var result = await client.Model(EncoderTaskServer.Ner).RunAsync("mary visited jordan", new ModelParameters { AggregationStrategy = "max" }, TestContext.Current.CancellationToken);

        var entities = result.GetEntities();
        Assert.Equal(["PER", "ORG"], entities.Select(e => e.EntityGroup));
        Assert.Equal(["mary", "jordan"], entities.Select(e => e.Word));
        Assert.All(entities, e => Assert.Null(e.Index));
    }

    [Fact]
    public async Task Sdk_GetAnswer_TheDesignedSpan()
    {
        using var client = CreateClient();

        var result = await client.Model(EncoderTaskServer.Qa).RunAsync(new QuestionAnsweringInput(Question, Context), cancellationToken: TestContext.Current.CancellationToken);

        var answer = result.GetAnswer();
        Assert.Equal("paris, france", answer.Answer);
        Assert.Equal((15, 28), (answer.Start, answer.End));
        Assert.Equal(AnswerScore, answer.Score, 1e-6);
    }

    [Fact]
    public async Task Sdk_GetAnswers_TopK_RankedAnswers()
    {
        using var client = CreateClient();

        var result = await client.Model(EncoderTaskServer.RankedQa).RunAsync(
            new QuestionAnsweringInput("where is the city?", "the capital is paris, france, a city, london."),
            new ModelParameters { TopK = 3 },
            TestContext.Current.CancellationToken);

        var answers = result.GetAnswers();
        Assert.Equal(["paris, france", "paris, france, a city, london", "london"], answers.Select(a => a.Answer));
        Assert.True(answers[0].Score > answers[1].Score && answers[1].Score > answers[2].Score);
    }

    [Fact]
    public async Task Sdk_QuestionAnsweringWithAText_400NamingTheInput()
    {
        using var client = CreateClient();

        var result = await client.Model(EncoderTaskServer.Qa).RunAsync("what?", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.Contains("question-answering expects", result.Error, StringComparison.Ordinal);
        Assert.Contains("`context`", result.Error, StringComparison.Ordinal);
    }

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    /// <summary>One server with the tiny encoder task models for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        /// <summary>The server and its models.</summary>
        public EncoderTaskServer Tasks { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => Tasks = await EncoderTaskServer.StartAsync();

        /// <inheritdoc />
        public ValueTask DisposeAsync() => Tasks.DisposeAsync();
    }
}
