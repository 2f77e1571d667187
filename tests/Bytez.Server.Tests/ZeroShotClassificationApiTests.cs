using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.ScoreAssert;
using static Bytez.Testing.Float32Expected;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests;

/// <summary>
/// zero-shot-classification through the real server on tiny NLI models whose [contradiction, neutral, entailment]
/// logits are a sum over the pair's tokens (sports entailment 2; politics entailment -1, contradiction 1; cooking
/// contradiction 0.5; the premise word game entailment 1; each hypothesis token of type 1 entailment 0.25,
/// contradiction -0.25), so every score is in closed form and wrong token types would show.
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class ZeroShotClassificationApiTests(MaskAndPairTasksFixture fixture)
{
    private static readonly string[] Premise = ["the", "game", "was", "great"];

    [Theory]
    [InlineData("""{"input": {"text": "The game was great", "candidate_labels": ["sports", "politics", "cooking"]}}""")]
    [InlineData("""{"text": "The game was great", "candidate_labels": ["sports", "politics", "cooking"]}""")]
    [InlineData("""{"text": "The game was great", "candidate_labels": "sports, politics,cooking"}""")]
    [InlineData("""{"input": "The game was great", "params": {"candidate_labels": ["sports", "politics", "cooking"]}}""")]
    public async Task Run_SingleLabel_EntailmentSoftmaxAcrossLabels_BestFirst(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli, json);

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(["sequence", "labels", "scores"], output.EnumerateObject().Select(p => p.Name));
        Assert.Equal("The game was great", output.GetProperty("sequence").GetString());
        var entailment = fixture.Tasks.NliModel.LabelId("entailment");
        var e = new[] { "sports", "politics", "cooking" }.Select(l => Logits("this", "example", l)[entailment]).ToArray();
        var p = Softmax(e);
        AssertAnswer(output, ("sports", p[0]), ("cooking", p[2]), ("politics", p[1]));
    }

    [Fact]
    public async Task Run_MultiLabel_EachLabelEntailmentAgainstContradiction()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli,
            """{"input": {"text": "the game was great", "candidate_labels": ["sports", "politics", "cooking"]}, "params": {"multi_label": true}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var (c, e) = (fixture.Tasks.NliModel.LabelId("contradiction"), fixture.Tasks.NliModel.LabelId("entailment"));
        float Score(string label)
        {
            var logits = Logits("this", "example", label);
            return Softmax(logits[c], logits[e])[1];
        }

        AssertAnswer(AssertOutput(body), ("sports", Score("sports")), ("cooking", Score("cooking")), ("politics", Score("politics")));
    }

    [Fact]
    public async Task Run_OneLabel_ScoredAsMultiLabel()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli, """{"input": {"text": "the game was great", "candidate_labels": ["politics"]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var logits = Logits("this", "example", "politics");
        AssertAnswer(AssertOutput(body), ("politics", Softmax(logits[fixture.Tasks.NliModel.LabelId("contradiction")], logits[fixture.Tasks.NliModel.LabelId("entailment")])[1]));
    }

    [Fact]
    public async Task Run_CustomHypothesisTemplate_IsTheHypothesis()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli,
            """{"input": {"text": "the game was great", "candidate_labels": ["sports", "politics", "cooking"]}, "params": {"hypothesis_template": "The topic is {}."}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var entailment = fixture.Tasks.NliModel.LabelId("entailment");
        var p = Softmax([.. new[] { "sports", "politics", "cooking" }.Select(l => Logits("the", "topic", l)[entailment])]);
        AssertAnswer(AssertOutput(body), ("sports", p[0]), ("cooking", p[2]), ("politics", p[1]));
    }

    [Fact]
    public async Task Run_Tie_LaterLabelFirst_AsNumpysReversedArgsort()
    {
        using var client = fixture.Server.CreateHttpClient();

        // cooking adds only contradiction and team nothing: both entailment logits are equal.
        var (status, body, _) = await PostAsync(client, Ids.Nli, """{"input": {"text": "the game was great", "candidate_labels": ["cooking", "team"]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        AssertAnswer(AssertOutput(body), ("team", 0.5f), ("cooking", 0.5f));
    }

    [Fact]
    public async Task Run_EntailmentAtIdZero_ContradictionIsTheLastColumn()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.NliEntailmentFirst,
            """{"input": {"text": "the game was great", "candidate_labels": ["politics", "cooking"]}, "params": {"multi_label": true}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var model = fixture.Tasks.NliEntailmentFirstModel;
        float Score(string label)
        {
            // Python: contradiction_id = -1 when entailment is 0, so NEUTRAL (the last column) stands for contradiction.
            var logits = model.PairLogits(Premise, ["this", "example", "is", label, "."]);
            return Softmax(logits[^1], logits[model.LabelId("ENTAILMENT")])[1];
        }

        Assert.Equal(0.5f, Score("politics"));
        AssertAnswer(AssertOutput(body), ("cooking", Score("cooking")), ("politics", Score("politics")));
    }

    [Fact]
    public async Task Run_ListOfTexts_OneAnswerPerText()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli, """{"input": {"text": ["the game was great", "the team won"], "candidate_labels": ["sports", "politics"]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var answers = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(["the game was great", "the team won"], answers.Select(a => a.GetProperty("sequence").GetString()));
        Assert.All(answers, a => Assert.Equal("sports", a.GetProperty("labels")[0].GetString()));
    }

    [Theory]
    [InlineData("""{"text": "the game was great"}""", "zero-shot-classification needs `candidate_labels`")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": []}}""", "zero-shot-classification needs `candidate_labels`")]
    [InlineData("""{"input": {"candidate_labels": ["sports"]}}""", "expects `input.text`")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": ["sports"]}, "params": {"hypothesis_template": "No label here."}}""", "it must contain {} where the label goes")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": ["sports"]}, "params": {"hypothesis_template": "About {name}."}}""", "Parameter `hypothesis_template`")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": ["sports"]}, "params": {"multi_label": "yes"}}""", "Parameter `multi_label` must be true or false; got a string (\"yes\").")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": ["sports"]}, "params": {"top_k": 1}}""", "supported parameters: candidate_labels, hypothesis_template, multi_label, multi_class.")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": [1, 2]}}""", "expects `input.candidate_labels` as a list of strings")]
    [InlineData("""{"input": {"text": "the game", "labels": ["sports"]}}""", "reads `text` and `candidate_labels` from `input`; got `labels`")]
    [InlineData("""{"input": {"text": "the game", "candidate_labels": ["a"]}, "candidate_labels": ["b"]}""", "takes `candidate_labels` once")]
    [InlineData("""{"input": 42, "candidate_labels": ["sports"]}""", "expects `input` as a string, a list of strings, or {\"text\", \"candidate_labels\"}; got a number (42).")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Nli, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    private float[] Logits(string first, string second, string label) => fixture.Tasks.NliModel.PairLogits(Premise, [first, second, "is", label, "."]);

    private static void AssertAnswer(JsonElement output, params (string Label, float Score)[] expected)
    {
        Assert.Equal(expected.Select(e => e.Label), output.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var scores = output.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()).ToList();
        Assert.Equal(expected.Length, scores.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertScore(expected[i].Score, scores[i]);
        }
    }
}
