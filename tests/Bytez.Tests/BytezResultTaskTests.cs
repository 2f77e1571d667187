using System.Net;
using System.Text.Json;

namespace Bytez.Tests;

/// <summary>
/// The typed accessors of the text tasks' outputs: the Bytez shapes (bytez-api.md §9), the Hugging Face pipeline
/// forms they come from (transformers 4.5x), and a <see cref="BytezException"/> naming the expected shape for anything else.
/// </summary>
public sealed class BytezResultTaskTests
{
    private static BytezResult Success(string outputJson)
    {
        using var document = JsonDocument.Parse(outputJson);
        return new BytezResult(document.RootElement.Clone(), null, null, HttpStatusCode.OK);
    }

    private static string Refused(Func<BytezResult, object> accessor, string outputJson) =>
        Assert.Throws<BytezException>(() => accessor(Success(outputJson))).Message;

    // ---- text: summarization, translation, text2text-generation ------------------------------------------------

    [Theory]
    [InlineData("\"Ein Haus.\"")]
    [InlineData("""[{"translation_text":"Ein Haus."}]""")]
    [InlineData("""[{"summary_text":"Ein Haus."}]""")]
    [InlineData("""[{"generated_text":"Ein Haus."}]""")]
    [InlineData("""{"generated_text":"Ein Haus."}""")]
    [InlineData("""["Ein Haus."]""")]
    public void GetText_BytezStringAndPipelineForms_ReturnTheText(string output) =>
        Assert.Equal("Ein Haus.", Success(output).GetText());

    [Theory]
    [InlineData("""["a","b"]""")]
    [InlineData("""[{"summary_text":"a"},{"summary_text":"b"}]""")]
    public void GetTexts_SeveralSequences_ReturnsEachInOrder(string output) =>
        Assert.Equal(["a", "b"], Success(output).GetTexts());

    [Fact]
    public void GetTexts_OneString_ReturnsIt() => Assert.Equal(["a"], Success("\"a\"").GetTexts());

    [Fact]
    public void GetTexts_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetTexts());

    [Theory]
    [InlineData("""["a","b"]""")]
    [InlineData("[]")]
    [InlineData("""[{"label":"a","score":1}]""")]
    [InlineData("""{"summary_text":1}""")]
    public void GetText_NotOneText_Throws(string output) =>
        Assert.Contains("Expected the output to be a string", Refused(r => r.GetText(), output), StringComparison.Ordinal);

    [Fact]
    public void GetTexts_ItemWithoutText_ThrowsNamingTheItem() =>
        Assert.Contains("item 1 is not a string", Refused(r => r.GetTexts(), """["a",{"score":1}]"""), StringComparison.Ordinal);

    // ---- text-classification ---------------------------------------------------------------------------------

    [Fact]
    public void GetLabels_BytezList_KeepsLabelsScoresAndOrder()
    {
        var labels = Success("""[{"label":"POSITIVE","score":0.9998743534088135},{"label":"NEGATIVE","score":0.00012564}]""").GetLabels();

        Assert.Equal(["POSITIVE", "NEGATIVE"], labels.Select(l => l.Label));
        Assert.Equal(0.9998743534088135, labels[0].Score);   // the float32 value widened, unchanged
        Assert.Equal(0.00012564, labels[1].Score);
    }

    [Fact]
    public void GetLabels_LegacyAllScoresForOneText_ReturnsTheInnerList() =>
        Assert.Equal(
            ["NEGATIVE", "POSITIVE"],
            Success("""[[{"label":"NEGATIVE","score":0.1},{"label":"POSITIVE","score":0.9}]]""").GetLabels().Select(l => l.Label));

    [Fact]
    public void GetLabels_SingleObject_ReturnsOne() =>
        Assert.Equal("LABEL_0", Assert.Single(Success("""{"label":"LABEL_0","score":-1.5}""").GetLabels()).Label);

    [Fact]
    public void GetLabels_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetLabels());

    [Theory]
    [InlineData("""[{"label":"a"}]""", "item 0 has no number 'score'")]
    [InlineData("""[{"label":"a","score":1},{"label":null,"score":1}]""", "item 1 has no string 'label'")]
    [InlineData("""[{"label":"a","score":"0.5"}]""", "item 0 has no number 'score'")]
    [InlineData("""[{"label":"a","score":1},2]""", "item 1 is a number, not an object")]
    [InlineData("\"POSITIVE\"", "it was a string")]
    [InlineData("[0.1,0.9]", "item 0 is a number, not an object")]
    public void GetLabels_WrongShape_ThrowsNamingWhere(string output, string where)
    {
        var message = Refused(r => r.GetLabels(), output);
        Assert.StartsWith("Expected the output to be a list of {label, score} (text-classification), but ", message, StringComparison.Ordinal);
        Assert.Contains(where, message, StringComparison.Ordinal);
    }

    // ---- token-classification --------------------------------------------------------------------------------

    [Fact]
    public void GetEntities_PerToken_ReadsEveryField()
    {
        var entities = Success("""
            [{"entity":"B-PER","score":0.9990139,"index":4,"word":"Wolfgang","start":11,"end":19},
             {"entity":"B-LOC","score":0.999645,"index":9,"word":"##lin","start":36,"end":39}]
            """).GetEntities();

        Assert.Equal(2, entities.Count);
        var wolfgang = entities[0];
        Assert.Equal("B-PER", wolfgang.Entity);
        Assert.Null(wolfgang.EntityGroup);
        Assert.Equal(0.9990139, wolfgang.Score);
        Assert.Equal(4, wolfgang.Index);
        Assert.Equal("Wolfgang", wolfgang.Word);
        Assert.Equal(11, wolfgang.Start);
        Assert.Equal(19, wolfgang.End);
        Assert.Equal("B-PER", wolfgang.Label);
        Assert.Equal("##lin", entities[1].Word);
    }

    [Fact]
    public void GetEntities_Aggregated_ReadsGroupWithoutIndex()
    {
        var entity = Assert.Single(Success("""[{"entity_group":"PER","score":0.99,"word":"Wolfgang","start":11,"end":19}]""").GetEntities());

        Assert.Null(entity.Entity);
        Assert.Equal("PER", entity.EntityGroup);
        Assert.Equal("PER", entity.Label);
        Assert.Null(entity.Index);
    }

    [Fact]
    public void GetEntities_NullOffsets_AreNull()
    {
        // A slow tokenizer gives no offsets: the pipeline writes start and end as None.
        var entity = Assert.Single(Success("""[{"entity":"O","score":0.5,"index":1,"word":"x","start":null,"end":null}]""").GetEntities());
        Assert.Null(entity.Start);
        Assert.Null(entity.End);
    }

    [Fact]
    public void GetEntities_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetEntities());

    [Theory]
    [InlineData("""[{"score":0.5,"word":"x","start":0,"end":1}]""", "item 0 has neither a string 'entity' nor a string 'entity_group'")]
    [InlineData("""[{"entity":"O","score":0.5,"start":0,"end":1}]""", "item 0 has no string 'word'")]
    [InlineData("""[{"entity":"O","score":0.5,"word":"x","start":1.5,"end":2}]""", "item 0 has 'start' as 1.5, not an integer")]
    [InlineData("""[{"entity":7,"score":0.5,"word":"x"}]""", "item 0 has 'entity' as a number, not a string")]
    [InlineData("""{"entity":"O","score":0.5,"word":"x"}""", "it was an object")]
    public void GetEntities_WrongShape_ThrowsNamingWhere(string output, string where) =>
        Assert.Contains(where, Refused(r => r.GetEntities(), output), StringComparison.Ordinal);

    // ---- question-answering ----------------------------------------------------------------------------------

    [Fact]
    public void GetAnswer_Object_ReadsEveryField()
    {
        var answer = Success("""{"score":0.9731,"start":31,"end":34,"answer":"NYC"}""").GetAnswer();
        Assert.Equal((0.9731, 31, 34, "NYC"), (answer.Score, answer.Start, answer.End, answer.Answer));
    }

    [Fact]
    public void GetAnswers_Object_IsAListOfOne() =>
        Assert.Equal("NYC", Assert.Single(Success("""{"score":0.9,"start":31,"end":34,"answer":"NYC"}""").GetAnswers()).Answer);

    [Fact]
    public void GetAnswerAndGetAnswers_TopKList_BestFirstAndAll()
    {
        var result = Success("""[{"score":0.6,"start":31,"end":34,"answer":"NYC"},{"score":0.3,"start":0,"end":0,"answer":""}]""");

        Assert.Equal("NYC", result.GetAnswer().Answer);
        Assert.Equal(["NYC", ""], result.GetAnswers().Select(a => a.Answer));
    }

    [Fact]
    public void GetAnswer_ImpossibleAnswer_IsTheEmptySpan()
    {
        var answer = Success("""{"score":0.51,"start":0,"end":0,"answer":""}""").GetAnswer();
        Assert.Equal((0, 0, ""), (answer.Start, answer.End, answer.Answer));
    }

    [Fact]
    public void GetAnswers_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetAnswers());

    [Fact]
    public void GetAnswer_EmptyList_Throws() =>
        Assert.Contains("the list is empty", Refused(r => r.GetAnswer(), "[]"), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"score":0.9,"end":34,"answer":"NYC"}""", "the object has no integer 'start'")]
    [InlineData("""{"score":0.9,"start":31,"end":34}""", "the object has no string 'answer'")]
    [InlineData("""[{"score":0.9,"start":31,"end":34,"answer":"NYC"},{"answer":"x"}]""", "item 1 has no number 'score'")]
    [InlineData("\"NYC\"", "it was a string")]
    public void GetAnswers_WrongShape_ThrowsNamingWhere(string output, string where) =>
        Assert.Contains(where, Refused(r => r.GetAnswers(), output), StringComparison.Ordinal);

    // ---- fill-mask ---------------------------------------------------------------------------------------------

    private const string OneMask =
        """[{"score":0.42,"token":2201,"token_str":" capital","sequence":"Paris is the capital of France."},""" +
        """{"score":0.11,"token":1247,"token_str":" city","sequence":"Paris is the city of France."}]""";

    private const string TwoMasks =
        """[[{"score":0.5,"token":7,"token_str":"a","sequence":"[CLS] a [MASK] [SEP]"}],""" +
        """[{"score":0.25,"token":8,"token_str":"b","sequence":"[CLS] [MASK] b [SEP]"},{"score":0.2,"token":9,"token_str":"c","sequence":"[CLS] [MASK] c [SEP]"}]]""";

    [Fact]
    public void GetFillMask_OneMask_ReadsEveryField()
    {
        var predictions = Success(OneMask).GetFillMask();

        Assert.Equal(2, predictions.Count);
        var best = predictions[0];
        Assert.Equal((0.42, 2201, " capital", "Paris is the capital of France."), (best.Score, best.Token, best.TokenStr, best.Sequence));
        Assert.Equal(1247, predictions[1].Token);
    }

    [Fact]
    public void GetFillMask_SeveralMasks_ThrowsPointingToGetFillMasks() =>
        Assert.Contains("GetFillMasks", Refused(r => r.GetFillMask(), TwoMasks), StringComparison.Ordinal);

    [Fact]
    public void GetFillMask_OneListOfOneMask_ReturnsIt() =>
        Assert.Equal(7, Assert.Single(Success("[" + TwoMasks[1..TwoMasks.IndexOf("],", StringComparison.Ordinal)] + "]]").GetFillMask()).Token);

    [Fact]
    public void GetFillMasks_SeveralMasks_OneListPerMask()
    {
        var masks = Success(TwoMasks).GetFillMasks();

        Assert.Equal(2, masks.Count);
        Assert.Equal([7], masks[0].Select(p => p.Token));
        Assert.Equal([8, 9], masks[1].Select(p => p.Token));
    }

    [Fact]
    public void GetFillMasks_OneMask_IsOneList() => Assert.Equal(2, Assert.Single(Success(OneMask).GetFillMasks()).Count);

    [Fact]
    public void GetFillMask_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetFillMask());

    [Theory]
    [InlineData("""[{"score":0.4,"token":"capital","token_str":"capital","sequence":"s"}]""", "item 0 has 'token' as \"capital\", not an integer")]
    [InlineData("""[{"score":0.4,"token":1,"sequence":"s"}]""", "item 0 has no string 'token_str'")]
    [InlineData("""{"score":0.4,"token":1,"token_str":"a","sequence":"s"}""", "it was an object")]
    public void GetFillMask_WrongShape_ThrowsNamingWhere(string output, string where) =>
        Assert.Contains(where, Refused(r => r.GetFillMask(), output), StringComparison.Ordinal);

    [Fact]
    public void GetFillMasks_ListBesideNonList_ThrowsNamingTheItem() =>
        Assert.Contains("item 1 is not a list", Refused(r => r.GetFillMasks(), """[[],5]"""), StringComparison.Ordinal);

    [Fact]
    public void GetFillMasks_BadItemInSecondMask_NamesListAndItem() =>
        Assert.Contains("list 1, item 0 has no number 'score'", Refused(r => r.GetFillMasks(), """[[],[{"token":1}]]"""), StringComparison.Ordinal);

    // ---- zero-shot-classification ----------------------------------------------------------------------------

    private const string ZeroShot =
        """{"sequence":"One day I will see the world","labels":["travel","dancing","cooking"],"scores":[0.9799,0.0105,0.0096]}""";

    [Fact]
    public void GetZeroShot_Object_PairsLabelsWithScores()
    {
        var result = Success(ZeroShot).GetZeroShot();

        Assert.Equal("One day I will see the world", result.Sequence);
        Assert.Equal(["travel", "dancing", "cooking"], result.Labels);
        Assert.Equal([0.9799, 0.0105, 0.0096], result.Scores);
    }

    [Fact]
    public void GetZeroShot_ListOfOne_ReturnsIt() => Assert.Equal("travel", Success("[" + ZeroShot + "]").GetZeroShot().Labels[0]);

    [Fact]
    public void GetZeroShot_NoLabels_IsEmpty()
    {
        var result = Success("""{"sequence":"s","labels":[],"scores":[]}""").GetZeroShot();
        Assert.Empty(result.Labels);
        Assert.Empty(result.Scores);
    }

    [Theory]
    [InlineData("""{"sequence":"s","labels":["a","b"],"scores":[1]}""", "it has 2 labels but 1 scores")]
    [InlineData("""{"sequence":"s","labels":["a",2],"scores":[1,0]}""", "'labels' item 1 is not a string")]
    [InlineData("""{"sequence":"s","labels":["a"],"scores":[null]}""", "'scores' item 0 is not a number")]
    [InlineData("""{"labels":["a"],"scores":[1]}""", "the object has no string 'sequence'")]
    [InlineData("""{"sequence":"s","scores":[1]}""", "the object has no list 'labels'")]
    [InlineData("""[{"sequence":"s","labels":["a"]}]""", "item 0 has no list 'scores'")]
    [InlineData("""[{"label":"a","score":1}]""", "item 0 has no string 'sequence'")]
    [InlineData("[]", "it was a list")]
    public void GetZeroShot_WrongShape_ThrowsNamingWhere(string output, string where)
    {
        var message = Refused(r => r.GetZeroShot(), output);
        Assert.StartsWith("Expected the output to be {sequence, labels, scores} (zero-shot-classification), but ", message, StringComparison.Ordinal);
        Assert.Contains(where, message, StringComparison.Ordinal);
    }

    // ---- text-ranking ----------------------------------------------------------------------------------------

    [Fact]
    public void GetRanking_CrossEncoderRankForm_ReadsIdsScoresAndTexts()
    {
        var ranking = Success("""[{"corpus_id":2,"score":0.998,"text":"Paris is the capital."},{"corpus_id":0,"score":0.0021}]""").GetRanking();

        Assert.Equal([2, 0], ranking.Select(d => d.CorpusId));
        Assert.Equal([0.998, 0.0021], ranking.Select(d => d.Score));
        Assert.Equal("Paris is the capital.", ranking[0].Text);
        Assert.Null(ranking[1].Text);
    }

    [Fact]
    public void GetRanking_TeiIndexForm_ReadsIndexAsCorpusId() =>
        Assert.Equal(3, Assert.Single(Success("""[{"index":3,"score":0.5}]""").GetRanking()).CorpusId);

    [Fact]
    public void GetRanking_EmptyList_ReturnsNone() => Assert.Empty(Success("[]").GetRanking());

    [Theory]
    [InlineData("""[{"score":0.5}]""", "item 0 has no integer 'corpus_id'")]
    [InlineData("""[{"corpus_id":-1.5,"score":0.5}]""", "item 0 has 'corpus_id' as -1.5, not an integer")]
    [InlineData("""[{"corpus_id":1,"score":0.5,"text":5}]""", "item 0 has 'text' as a number, not a string")]
    [InlineData("[0.9,0.1]", "item 0 is a number, not an object")]
    [InlineData("""{"corpus_id":1,"score":0.5}""", "it was an object")]
    public void GetRanking_WrongShape_ThrowsNamingWhere(string output, string where) =>
        Assert.Contains(where, Refused(r => r.GetRanking(), output), StringComparison.Ordinal);

    // ---- every accessor ----------------------------------------------------------------------------------------

    public static TheoryData<string> Accessors => new(
        "GetTexts", "GetLabels", "GetEntities", "GetAnswer", "GetAnswers", "GetFillMask", "GetFillMasks", "GetZeroShot", "GetRanking");

    private static object Call(BytezResult result, string accessor) => accessor switch
    {
        "GetTexts" => result.GetTexts(),
        "GetLabels" => result.GetLabels(),
        "GetEntities" => result.GetEntities(),
        "GetAnswer" => result.GetAnswer(),
        "GetAnswers" => result.GetAnswers(),
        "GetFillMask" => result.GetFillMask(),
        "GetFillMasks" => result.GetFillMasks(),
        "GetZeroShot" => result.GetZeroShot(),
        "GetRanking" => result.GetRanking(),
        _ => throw new ArgumentOutOfRangeException(nameof(accessor)),
    };

    [Theory]
    [MemberData(nameof(Accessors))]
    public void Accessor_FailedCall_ThrowsTheCallsError(string accessor)
    {
        var failed = new BytezResult(null, "Model does not exist", null, HttpStatusCode.NotFound, """{"error":"Model does not exist","output":null}""");

        var exception = Assert.Throws<BytezException>(() => Call(failed, accessor));

        Assert.Equal("Model does not exist", exception.Message);
        Assert.Equal(HttpStatusCode.NotFound, exception.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Accessors))]
    public void Accessor_NoOutput_ThrowsBytezException(string accessor) =>
        Assert.Contains("without output", Assert.Throws<BytezException>(() => Call(new BytezResult(null, null, null, HttpStatusCode.OK), accessor)).Message, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Accessors))]
    public void Accessor_EmbeddingOutput_ThrowsBytezException(string accessor) =>
        Assert.StartsWith("Expected the output to be ", Assert.Throws<BytezException>(() => Call(Success("0.5"), accessor)).Message, StringComparison.Ordinal);

    [Fact]
    public void Mismatch_LongOutput_IsCutInTheMessage()
    {
        var message = Refused(r => r.GetZeroShot(), "\"" + new string('x', 1000) + "\"");
        Assert.EndsWith("...", message, StringComparison.Ordinal);
        Assert.True(message.Length < 400, message);
    }
}
