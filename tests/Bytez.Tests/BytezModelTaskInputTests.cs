using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Tests;

/// <summary>
/// The task input helpers send exactly what the official clients send for the same call: bytez.js 3.0.0 and the
/// Python client put the object the user passes to <c>model.run(...)</c> under <c>input</c>, and params under
/// <c>params</c> (bytez-api.md §5 and §8).
/// </summary>
public sealed class BytezModelTaskInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string?> BodyAsync(Func<BytezModel, Task<BytezResult>> run, string output = "null")
    {
        var handler = FakeHandler.Json($$"""{"error":null,"output":{{output}}}""");
        using var client = TestClients.Create(handler);
        var result = await run(client.Model("deepset/roberta-base-squad2"));
        Assert.True(result.IsSuccess, result.Error);
        return handler.Single.Body;
    }

    [Fact]
    public async Task RunAsync_QuestionAnswering_SendsQuestionAndContextAsInput()
    {
        var body = await BodyAsync(model => model.RunAsync(
            new QuestionAnsweringInput("Where does Holly live?", "My name is Holly and I live in NYC"), cancellationToken: Ct));

        Assert.Equal("""{"input":{"question":"Where does Holly live?","context":"My name is Holly and I live in NYC"}}""", body);
    }

    [Fact]
    public async Task RunAsync_QuestionAnswering_SameBodyAsTheObjectBytezJsUsersPass()
    {
        const string Question = "Where does Holly live?";
        const string Context = "My name is Holly and I live in NYC";

        // bytez.js: model.run({question, context}); with our SDK the same object goes through the reflection overload.
        var typed = await BodyAsync(model => model.RunAsync(new QuestionAnsweringInput(Question, Context), cancellationToken: Ct));
        var anonymous = await BodyAsync(model => model.RunAsync(new { question = Question, context = Context }, cancellationToken: Ct));
        var boxed = await BodyAsync(model => model.RunAsync((object)new QuestionAnsweringInput(Question, Context), cancellationToken: Ct));

        Assert.Equal(anonymous, typed);
        Assert.Equal(typed, boxed);
    }

    [Fact]
    public async Task RunAsync_QuestionAnsweringWithParameters_SendsHuggingFaceNames()
    {
        var parameters = new ModelParameters { TopK = 2, HandleImpossibleAnswer = true, MaxAnswerLength = 30 };

        var body = await BodyAsync(model => model.RunAsync(new QuestionAnsweringInput("q", "c"), parameters, Ct));

        Assert.Equal("""{"input":{"question":"q","context":"c"},"params":{"top_k":2,"handle_impossible_answer":true,"max_answer_len":30}}""", body);
    }

    [Fact]
    public async Task RunAsync_QuestionAnswering_ReadsTheAnswer()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":{"score":0.97,"start":31,"end":34,"answer":"NYC"}}""");
        using var client = TestClients.Create(handler);

        var result = await client.Model("deepset/roberta-base-squad2").RunAsync(
            new QuestionAnsweringInput("Where does Holly live?", "My name is Holly and I live in NYC"), cancellationToken: Ct);

        var answer = result.GetAnswer();
        Assert.Equal("NYC", answer.Answer);
        Assert.Equal("My name is Holly and I live in NYC"[answer.Start..answer.End], answer.Answer);
    }

    [Fact]
    public async Task RunAsync_ZeroShot_SendsTextAndCandidateLabelsAsInput()
    {
        var input = new ZeroShotClassificationInput("One day I will see the world", ["travel", "cooking", "dancing"]);
        var parameters = new ModelParameters { MultiLabel = true, HypothesisTemplate = "This text is about {}." };

        var body = await BodyAsync(model => model.RunAsync(input, parameters, Ct));

        Assert.Equal(
            """{"input":{"text":"One day I will see the world","candidate_labels":["travel","cooking","dancing"]}""" +
            ""","params":{"multi_label":true,"hypothesis_template":"This text is about {}."}}""",
            body);
    }

    [Fact]
    public async Task RunAsync_ZeroShot_SameBodyAsTheObjectBytezJsUsersPass()
    {
        string[] labels = ["travel", "cooking"];
        var typed = await BodyAsync(model => model.RunAsync(new ZeroShotClassificationInput("t", labels), cancellationToken: Ct));
        var anonymous = await BodyAsync(model => model.RunAsync(new { text = "t", candidate_labels = labels }, cancellationToken: Ct));

        Assert.Equal(anonymous, typed);
    }

    [Fact]
    public async Task RunAsync_TextRanking_SendsQueryAndDocumentsAsInput()
    {
        var input = new TextRankingInput("capital of France", ["Berlin is in Germany.", "Paris is the capital of France."]);

        var body = await BodyAsync(model => model.RunAsync(input, new ModelParameters { TopK = 1, ReturnDocuments = true }, Ct));

        Assert.Equal(
            """{"input":{"query":"capital of France","documents":["Berlin is in Germany.","Paris is the capital of France."]}""" +
            ""","params":{"top_k":1,"return_documents":true}}""",
            body);
    }

    [Fact]
    public async Task RunAsync_TextRankingBoxed_SameBodyAsTyped()
    {
        var input = new TextRankingInput("q", ["a"]);
        Assert.Equal(
            await BodyAsync(model => model.RunAsync(input, cancellationToken: Ct)),
            await BodyAsync(model => model.RunAsync((object)input, cancellationToken: Ct)));
    }

    [Fact]
    public async Task RunAsync_TextTasks_SendTheTextAsInput()
    {
        // text-classification, token-classification, fill-mask, summarization, translation and text2text take a string.
        var body = await BodyAsync(model => model.RunAsync("Paris is the <mask> of France.", new ModelParameters { TopK = 3 }, Ct));

        // Written as JSON.stringify (the official clients) writes it: '<' and '>' as is, not as \u003C and \u003E.
        Assert.Equal("""{"input":"Paris is the <mask> of France.","params":{"top_k":3}}""", body);
        using var sent = JsonDocument.Parse(body!);
        Assert.Equal("Paris is the <mask> of France.", sent.RootElement.GetProperty("input").GetString());
    }

    [Fact]
    public void ModelParameters_TaskParameters_UseTheHuggingFaceNames()
    {
        var parameters = new ModelParameters
        {
            NumBeams = 4,
            NumReturnSequences = 2,
            SourceLanguage = "eng_Latn",
            TargetLanguage = "fra_Latn",
            FunctionToApply = "sigmoid",
            AggregationStrategy = "simple",
            IgnoreLabels = [],
            Targets = ["city", "capital"],
        };

        Assert.Equal(
            """{"num_beams":4,"num_return_sequences":2,"src_lang":"eng_Latn","tgt_lang":"fra_Latn","function_to_apply":"sigmoid","aggregation_strategy":"simple","ignore_labels":[],"targets":["city","capital"]}""",
            JsonSerializer.Serialize(parameters, ProtocolJsonContext.Default.ModelParameters));
    }

    [Fact]
    public void Inputs_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new QuestionAnsweringInput(null!, "c"));
        Assert.Throws<ArgumentNullException>(() => new QuestionAnsweringInput("q", null!));
        Assert.Throws<ArgumentNullException>(() => new ZeroShotClassificationInput("t", null!));
        Assert.Throws<ArgumentNullException>(() => new TextRankingInput(null!, ["a"]));
    }

    [Fact]
    public void Inputs_RoundTripThroughTheProtocolContext()
    {
        // The server and users can read the same forms back with the shared context.
        var read = JsonSerializer.Deserialize("""{"query":"q","documents":["a","b"]}""", ProtocolJsonContext.Default.TextRankingInput)!;
        Assert.Equal(("q", 2), (read.Query, read.Documents.Count));

        var zeroShot = JsonSerializer.Deserialize("""{"text":"t","candidate_labels":["x"]}""", ProtocolJsonContext.Default.ZeroShotClassificationInput)!;
        Assert.Equal(["x"], zeroShot.CandidateLabels);
    }
}
