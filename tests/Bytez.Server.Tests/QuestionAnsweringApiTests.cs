using System.Net;
using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// question-answering through the real server on tiny QA models whose start and end logits are lookups of the token
/// id (<see cref="EncoderTaskServer"/>): tokens outside the context are masked, start and end are softmaxes over the
/// CLS token and the context, a span scores p_start × p_end. Expected values are the designs', in closed form.
/// </summary>
public sealed class QuestionAnsweringApiTests(QuestionAnsweringApiTests.Fixture fixture) : IClassFixture<QuestionAnsweringApiTests.Fixture>
{
    /// <summary>The least tolerance on a score; scores are compared to float32 precision (relative 1e-6).</summary>
    private const double Tolerance = 1e-9;

    /// <summary>A context of the ranked design: the capital is paris , france , a city , lon ##don . (13 tokens).</summary>
    private const string Ranked = "the capital is paris, france, a city, london.";

    [Fact]
    public async Task Run_TopLevelQuestionAndContext_TheDesignedSpanWithItsFloat32Score()
    {
        // The question holds "france" (end logit 8) too: question tokens are masked out.
        var output = await RunAsync(EncoderTaskServer.Qa, """{"question": "what is the capital of france?", "context": "the capital is paris, france."}""");

        // Softmax over [CLS] and the 7 context tokens: the capital is paris , france .
        var p = Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[4];
        AssertAnswer(output, p * p, 15, 28, "paris, france");
    }

    [Fact]
    public async Task Run_InputObject_SameAnswer()
    {
        var output = await RunAsync(EncoderTaskServer.Qa, """{"input": {"question": "what is the capital of france?", "context": "the capital is paris, france."}}""");

        var p = Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[4];
        AssertAnswer(output, p * p, 15, 28, "paris, france");
    }

    [Fact]
    public async Task Run_EmojiInTheContext_StartAndEndCountCodePoints()
    {
        var output = await RunAsync(EncoderTaskServer.Qa, """{"question": "what is the capital?", "context": "😀 the capital is paris, france."}""");

        // The emoji is an unknown token of the context (logit 0): 8 context tokens and [CLS].
        var p = Float32Expected.Softmax(0f, 0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[5];
        AssertAnswer(output, p * p, 17, 30, "paris, france");
    }

    [Theory]
    [InlineData(true, "paris, france, a city, london", 44, "london", 38, 44)]
    [InlineData(false, "paris, france, a city, lon", 41, "lon", 38, 41)]
    public async Task Run_TopK3_RankedAnswers_AlignedToWordsOrNot(bool align, string second, int secondEnd, string third, int thirdStart, int thirdEnd)
    {
        var output = await RunAsync(EncoderTaskServer.RankedQa,
            $$$"""{"question": "where is the city?", "context": "{{{Ranked}}}", "params": {"top_k": 3, "align_to_words": {{{(align ? "true" : "false")}}}}}""");

        var (start, end) = RankedProbabilities();
        var answers = output.EnumerateArray().ToList();
        Assert.Equal(3, answers.Count);
        AssertAnswer(answers[0], start[4] * end[6], 15, 28, "paris, france");
        AssertAnswer(answers[1], start[4] * end[11], 15, secondEnd, second);
        AssertAnswer(answers[2], start[11] * end[11], thirdStart, thirdEnd, third);
    }

    [Fact]
    public async Task Run_MaxAnswerLen1_OnlyOneTokenSpans_TheBestIsTheWholeWordOfLon()
    {
        var output = await RunAsync(EncoderTaskServer.RankedQa, $$$"""{"question": "where?", "context": "{{{Ranked}}}", "params": {"max_answer_len": 1}}""");

        // One-token spans: paris e^8·1, france 1·e^8, lon e^5·e^5: lon wins and grows to its word.
        var (start, end) = RankedProbabilities();
        AssertAnswer(output, start[11] * end[11], 38, 44, "london");
    }

    [Fact]
    public async Task Run_HandleImpossibleAnswer_TheEmptyAnswerWinsWithTheClsScore()
    {
        const string Body = """{"question": "what is the capital?", "context": "the capital is paris, france.", "params": {"handle_impossible_answer": true, "top_k": 2}}""";

        var both = await RunAsync(EncoderTaskServer.ImpossibleQa, Body);
        var plain = await RunAsync(EncoderTaskServer.ImpossibleQa, """{"question": "what is the capital?", "context": "the capital is paris, france."}""");

        // [CLS] has start and end logit 10: it counts in both softmaxes, then scores the empty answer.
        var start = Float32Expected.Softmax(10f, 0f, 0f, 0f, 8f, 0f, 0f, 0f);
        var end = Float32Expected.Softmax(10f, 0f, 0f, 0f, 0f, 0f, 8f, 0f);
        var answers = both.EnumerateArray().ToList();
        Assert.Equal(2, answers.Count);
        AssertAnswer(answers[0], start[0] * end[0], 0, 0, string.Empty);
        AssertAnswer(answers[1], start[4] * end[6], 15, 28, "paris, france");
        AssertAnswer(plain, start[4] * end[6], 15, 28, "paris, france");
    }

    [Fact]
    public async Task Run_LongContextInWindows_TheSameAnswerInTwoWindowsAddsItsScores()
    {
        // 16 tokens per window: [CLS] what is the capital ? [SEP] + 8 context tokens + [SEP]; 2 tokens shared.
        // Context (14 tokens): paris , france . the city on a | river . paris , france . → windows 0-7 and 6-13.
        const string Body = """
            {"question": "what is the capital?", "context": "paris, france. the city on a river. paris, france.", "params": {"max_seq_len": 16, "doc_stride": 2}}
            """;

        var output = await RunAsync(EncoderTaskServer.Qa, Body);

        // Each window: [CLS] and 8 context tokens, one of them paris (start 8), one france (end 8).
        var p = Float32Expected.Softmax(0f, 8f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)[1];
        var once = (double)(p * p);
        var score = output.GetProperty("score").GetDouble();
        Assert.Equal(once + once, score, 2e-6); // float32 precision: each window's score is a float32 product
        Assert.Equal(0, output.GetProperty("start").GetInt32());
        Assert.Equal(13, output.GetProperty("end").GetInt32());
        Assert.Equal("paris, france", output.GetProperty("answer").GetString());
    }

    [Theory]
    [InlineData("""{"question": "what?"}""", "`context` missing")]
    [InlineData("""{"input": {"question": "what?"}}""", "expects `question` and `context` as strings")]
    [InlineData("""{"input": {"question": 5, "context": "paris"}}""", "expects `input.question` as a string; got a number (5)")]
    [InlineData("""{"input": "what?"}""", "expects `input` as an object")]
    [InlineData("""{"question": "", "context": "paris"}""", "non-empty `question`")]
    [InlineData("""{"question": "q", "context": "paris", "params": {"topk": 2}}""", "supported parameters: top_k, max_answer_len, handle_impossible_answer, align_to_words, max_seq_len, doc_stride, max_question_len")]
    [InlineData("""{"question": "q", "context": "paris", "params": {"top_k": 0}}""", "Parameter `top_k` must be an integer >= 1; got a number (0)")]
    [InlineData("""{"question": "q", "context": "paris", "params": {"handle_impossible_answer": "yes"}}""", "Parameter `handle_impossible_answer` must be true or false")]
    [InlineData("""{"question": "q", "context": "paris", "params": {"max_seq_len": 1000}}""", "Parameter `max_seq_len` must be an integer from 1 to 512")]
    [InlineData("""{"question": "q", "context": "paris", "params": {"max_seq_len": 16, "doc_stride": 20}}""", "Parameter `doc_stride` must be an integer from 0 to `max_seq_len` (16)")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, EncoderTaskServer.Qa, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTasks_IncludesQuestionAnswering()
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();

        var (_, body, _) = await GetAsync(client, "list/tasks");

        Assert.Contains("question-answering", AssertOutput(body).EnumerateArray().Select(t => t.GetString()));
    }

    /// <summary>The start and end probabilities of the ranked design over [CLS] and the 13 tokens of <see cref="Ranked"/>.</summary>
    private static (float[] Start, float[] End) RankedProbabilities() => (
        Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f, 0f, 0f, 0f, 5f, 0f, 0f),
        Float32Expected.Softmax(0f, 0f, 0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f, 0f, 5f, 0f, 0f));

    private async Task<JsonElement> RunAsync(string model, string json)
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, model, json);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return AssertOutput(body);
    }

    /// <summary>An answer object in Hugging Face's key order; its score is the float32 product widened to double.</summary>
    private static void AssertAnswer(JsonElement answer, float score, int start, int end, string text)
    {
        Assert.Equal(JsonValueKind.Object, answer.ValueKind);
        Assert.Equal(["score", "start", "end", "answer"], answer.EnumerateObject().Select(p => p.Name));
        var actual = answer.GetProperty("score").GetDouble();
        Assert.True((double)(float)actual == actual, $"{actual} is not a float32 value");
        Assert.Equal(score, actual, Math.Max(Tolerance, Math.Abs(score) * 1e-6));
        Assert.Equal(start, answer.GetProperty("start").GetInt32());
        Assert.Equal(end, answer.GetProperty("end").GetInt32());
        Assert.Equal(text, answer.GetProperty("answer").GetString());
    }

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
