using System.Net;
using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// token-classification (alias ner) through the real server on the tiny NER model (labels of dslim/bert-base-NER;
/// logits a lookup of the token id: john B-PER 5, ##ny I-PER 5, mary B-PER 5, paris B-LOC 5, jor B-PER 3 / B-LOC 2.75,
/// ##dan B-ORG 3.5 / B-LOC 3, every other token O 5). Expected values are the design's, computed in closed form.
/// </summary>
public sealed class TokenClassificationApiTests(TokenClassificationApiTests.Fixture fixture) : IClassFixture<TokenClassificationApiTests.Fixture>
{
    private const double Tolerance = 2e-7;

    /// <summary>The probability of the label with logit 5 when the other eight are 0.</summary>
    private static readonly float Sure = Float32Expected.Softmax(5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)[0];

    [Fact]
    public async Task Run_NoAggregation_OneItemPerTokenWithIndexWordAndOffsets()
    {
        var output = await RunAsync(EncoderTaskServer.Ner, """{"text": "johnny lives in paris"}""");

        AssertTokens(output, ("B-PER", Sure, 1, "john", 0, 4), ("I-PER", Sure, 2, "##ny", 4, 6), ("B-LOC", Sure, 5, "paris", 16, 21));
    }

    [Fact]
    public async Task Run_NerAliasAndInputKey_SameAnswer()
    {
        var output = await RunAsync(EncoderTaskServer.NerAlias, """{"input": "johnny lives in paris"}""");

        AssertTokens(output, ("B-PER", Sure, 1, "john", 0, 4), ("I-PER", Sure, 2, "##ny", 4, 6), ("B-LOC", Sure, 5, "paris", 16, 21));
    }

    [Fact]
    public async Task Run_SimpleAggregation_GroupsTheWordAndStripsThePrefix()
    {
        var output = await RunAsync(EncoderTaskServer.Ner, """{"text": "johnny lives in paris", "params": {"aggregation_strategy": "simple"}}""");

        AssertGroups(output, ("PER", Sure, "johnny", 0, 6), ("LOC", Sure, "paris", 16, 21));
    }

    [Theory]
    [InlineData("""{"aggregation_strategy": "first"}""", "PER")]
    [InlineData("""{"aggregation_strategy": "MAX"}""", "ORG")]
    [InlineData("""{"aggregation_strategy": "average"}""", "LOC")]
    [InlineData("""{"grouped_entities": true, "ignore_subwords": true}""", "PER")]
    public async Task Run_WordAggregations_DisagreeOnTheSplitWordAsDesigned(string parameters, string expected)
    {
        var output = await RunAsync(EncoderTaskServer.Ner, $$$"""{"text": "mary visited jordan", "params": {{{parameters}}}}""");

        // jordan = jor (B-PER 3, B-LOC 2.75) + ##dan (B-ORG 3.5, B-LOC 3); labels O, B-MISC, I-MISC, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC.
        var jor = Float32Expected.Softmax(0f, 0f, 0f, 3f, 0f, 0f, 0f, 2.75f, 0f);
        var dan = Float32Expected.Softmax(0f, 0f, 0f, 0f, 0f, 3.5f, 0f, 3f, 0f);
        var score = expected switch
        {
            "PER" => jor[3],
            "ORG" => dan[5],
            _ => (jor[7] + dan[7]) / 2f,
        };
        AssertGroups(output, ("PER", Sure, "mary", 0, 4), (expected, score, "jordan", 13, 19));
    }

    [Fact]
    public async Task Run_IgnoreLabelsEmpty_KeepsTheOTokens_AndIgnoringAGroupDropsIt()
    {
        var all = await RunAsync(EncoderTaskServer.Ner, """{"text": "john lives", "params": {"ignore_labels": []}}""");
        var noLoc = await RunAsync(EncoderTaskServer.Ner, """{"text": "johnny lives in paris", "params": {"aggregation_strategy": "simple", "ignore_labels": ["O", "LOC"]}}""");

        AssertTokens(all, ("B-PER", Sure, 1, "john", 0, 4), ("O", Sure, 2, "lives", 5, 10));
        AssertGroups(noLoc, ("PER", Sure, "johnny", 0, 6));
    }

    [Fact]
    public async Task Run_EmojiBeforeTheEntities_OffsetsCountCodePoints_UnknownWordIsTheText()
    {
        var output = await RunAsync(EncoderTaskServer.Ner, """{"text": "😀 john lives in paris", "params": {"ignore_labels": []}}""");

        // The emoji is one code point (two UTF-16 units) and an unknown token: its word is the original text.
        AssertTokens(output,
            ("O", Sure, 1, "😀", 0, 1), ("B-PER", Sure, 2, "john", 2, 6), ("O", Sure, 3, "lives", 7, 12),
            ("O", Sure, 4, "in", 13, 15), ("B-LOC", Sure, 5, "paris", 16, 21));
    }

    [Fact]
    public async Task Run_ListOfTexts_OneListPerText()
    {
        var output = await RunAsync(EncoderTaskServer.Ner, """{"input": ["john", "in paris"]}""");

        var lists = output.EnumerateArray().ToList();
        Assert.Equal(2, lists.Count);
        AssertTokens(lists[0], ("B-PER", Sure, 1, "john", 0, 4));
        AssertTokens(lists[1], ("B-LOC", Sure, 2, "paris", 3, 8));
    }

    [Fact]
    public async Task Run_LongTextWithStride_ReadsEveryWindowAndKeepsAnEntitySeenTwiceOnce()
    {
        // At most 8 tokens: [CLS] + 6 + [SEP]. Windows: john..mary, then (2 tokens back) and..paris.
        const string Text = "john lives in paris and mary lives in paris";

        var cut = await RunAsync(EncoderTaskServer.ShortNer, $$$"""{"text": "{{{Text}}}", "params": {"aggregation_strategy": "simple"}}""");
        var windows = await RunAsync(EncoderTaskServer.ShortNer, $$$"""{"text": "{{{Text}}}", "params": {"aggregation_strategy": "simple", "stride": 2}}""");

        AssertGroups(cut, ("PER", Sure, "john", 0, 4), ("LOC", Sure, "paris", 14, 19), ("PER", Sure, "mary", 24, 28));
        AssertGroups(windows, ("PER", Sure, "john", 0, 4), ("LOC", Sure, "paris", 14, 19), ("PER", Sure, "mary", 24, 28), ("LOC", Sure, "paris", 38, 43));
    }

    [Theory]
    [InlineData(EncoderTaskServer.Ner, """{"text": "john", "params": {"top_k": 1}}""", "supported parameters: aggregation_strategy, ignore_labels, stride, grouped_entities, ignore_subwords")]
    [InlineData(EncoderTaskServer.Ner, """{"text": "john", "params": {"aggregation_strategy": "best"}}""", "must be one of none, simple, first, average, max")]
    [InlineData(EncoderTaskServer.Ner, """{"text": "john", "params": {"aggregation_strategy": "none", "stride": 2}}""", "`stride` needs an `aggregation_strategy` other than \"none\"")]
    [InlineData(EncoderTaskServer.ShortNer, """{"text": "john", "params": {"aggregation_strategy": "simple", "stride": 8}}""", "Parameter `stride` must be an integer from 0 to 7")]
    [InlineData(EncoderTaskServer.Ner, """{"text": "john", "params": {"ignore_labels": "O"}}""", "Parameter `ignore_labels` must be a list of strings")]
    [InlineData(EncoderTaskServer.Ner, """{"input": 5}""", "token-classification expects `input` (or `text`) as a string or a list of strings")]
    [InlineData(EncoderTaskServer.Ner, """{"params": {}}""", "expects `text` (or `input`)")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string model, string json, string expected)
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, model, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTasks_IncludesTokenClassificationAndItsAlias()
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();

        var (_, body, _) = await GetAsync(client, "list/tasks");

        var tasks = AssertOutput(body).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("token-classification", tasks);
        Assert.Contains("ner", tasks);
    }

    private async Task<JsonElement> RunAsync(string model, string json)
    {
        using var client = fixture.Tasks.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, model, json);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return AssertOutput(body);
    }

    private static void AssertTokens(JsonElement output, params (string Entity, float Score, int Index, string Word, int Start, int End)[] expected)
    {
        var items = output.EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => (e.Entity, e.Index, e.Word, e.Start, e.End)), items.Select(i => (
            i.GetProperty("entity").GetString()!, i.GetProperty("index").GetInt32(), i.GetProperty("word").GetString()!,
            i.GetProperty("start").GetInt32(), i.GetProperty("end").GetInt32())));
        Assert.All(items, i => Assert.Equal(["entity", "score", "index", "word", "start", "end"], i.EnumerateObject().Select(p => p.Name)));
        for (var k = 0; k < items.Count; k++)
        {
            var score = items[k].GetProperty("score").GetDouble();
            Assert.True((double)(float)score == score, $"{score} is not a float32 value");
            Assert.Equal(expected[k].Score, score, Tolerance);
        }
    }

    private static void AssertGroups(JsonElement output, params (string Group, float Score, string Word, int Start, int End)[] expected)
    {
        var items = output.EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => (e.Group, e.Word, e.Start, e.End)), items.Select(i => (
            i.GetProperty("entity_group").GetString()!, i.GetProperty("word").GetString()!,
            i.GetProperty("start").GetInt32(), i.GetProperty("end").GetInt32())));
        Assert.All(items, i => Assert.Equal(["entity_group", "score", "word", "start", "end"], i.EnumerateObject().Select(p => p.Name)));
        for (var k = 0; k < items.Count; k++)
        {
            var score = items[k].GetProperty("score").GetDouble();
            Assert.True((double)(float)score == score, $"{score} is not a float32 value");
            Assert.Equal(expected[k].Score, score, Tolerance);
        }
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
