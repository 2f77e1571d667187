using System.Net;
using System.Text;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// summarization, translation (and translation_xx_to_yy) and text2text-generation through the real server on the tiny
/// real ONNX encoder-decoders of <see cref="Seq2SeqServer"/>, whose designs give the expected texts: the counter model
/// "a b c", or "a b c d" with an m in the source (or in the task's prefix); the trap model "a c" greedily, "b e" with beams.
/// </summary>
public sealed class Text2TextGenerationApiTests(Text2TextGenerationApiTests.Fixture fixture) : IClassFixture<Text2TextGenerationApiTests.Fixture>
{
    private const string T5 = Seq2SeqServer.T5;
    private const string T5Summarization = Seq2SeqServer.T5Summarization;
    private const string T5Translation = Seq2SeqServer.T5Translation;
    private const string T5EnDe = Seq2SeqServer.T5EnDe;
    private const string T5EnFr = Seq2SeqServer.T5EnFr;
    private const string Trap = Seq2SeqServer.Trap;
    private const string BartCnn = Seq2SeqServer.BartCnn;
    private const string Multilingual = Seq2SeqServer.Multilingual;

    [Theory]
    [InlineData(T5, """{"text": "a", "params": {"num_beams": 1}}""", "a b c")]
    [InlineData(T5, """{"input": "m", "params": {"num_beams": 1}}""", "a b c d")]
    [InlineData(T5Summarization, """{"text": "a"}""", "a b c d")] // task_specific_params: prefix "m ", num_beams 1
    [InlineData(T5EnDe, """{"text": "a"}""", "a b c d")] // translation_en_to_de: its own entry, prefix "m "
    [InlineData(T5EnFr, """{"text": "a"}""", "a b c")] // translation_en_to_fr: no prefix
    [InlineData(T5Translation, """{"text": "a"}""", "a b c d")] // translation: the first translation_* entry (en_to_de)
    [InlineData(BartCnn, """{"text": "a"}""", "a b c")]
    [InlineData(Multilingual, """{"text": "a"}""", "a b c")] // no languages: the tokenizer's own template ("a </s>"), nothing forced
    public async Task Run_GreedyTexts_FromTheDesignAndTheTasksPrefix(string model, string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, model, json);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, AssertOutput(body).GetString());
    }

    [Theory]
    [InlineData("""{"num_beams": 1}""", "a c")]
    [InlineData("{}", "b e")] // the pipeline's default: 4 beams
    [InlineData("""{"num_beams": 2}""", "b e")]
    public async Task Run_BeamSearchByDefault_FindsTheLikelierSequence(string parameters, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Trap, $$"""{"text": "a", "params": {{parameters}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, AssertOutput(body).GetString());
    }

    [Fact]
    public async Task Run_NumReturnSequences_ListOfTheBestBeamsBestFirst()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Trap, """{"text": "a", "params": {"num_beams": 2, "num_return_sequences": 2}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["b e", "a c"], AssertOutput(body).EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData(T5, """{"input": "m", "params": {"num_beams": 1}}""", "a b c d")]
    [InlineData(T5EnDe, """{"input": "a"}""", "a b c d")]
    [InlineData(Trap, """{"input": "a"}""", "b e")] // beam search sends its best sequence at the end
    public async Task Stream_ConcatenatedPieces_EqualTheNonStreamedText(string model, string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, whole, _) = await PostAsync(client, model, json);

        var (response, chunks) = await StreamAsync(client, model, json[..^1] + ", \"stream\": true}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, AssertOutput(whole).GetString());
        Assert.Equal(expected, string.Concat(chunks));
    }

    [Theory]
    [InlineData(T5, """{"text": "a", "params": {"bogus": 1}}""", "Unknown parameter `bogus`")]
    [InlineData(T5, """{"text": "a", "params": {"bogus": 1}}""", "num_beams, num_return_sequences")]
    [InlineData(T5, """{"text": "a", "params": {"return_full_text": false}}""", "Unknown parameter `return_full_text`")]
    [InlineData(T5, """{"text": "a", "params": {"num_beams": 0}}""", "num_beams")]
    [InlineData(T5, """{"text": "a", "params": {"max_new_tokens": "ten"}}""", "max_new_tokens")]
    [InlineData(Trap, """{"text": "a", "params": {"num_beams": 2, "num_return_sequences": 3}}""", "num_return_sequences")]
    [InlineData(T5, """{"input": ["a"]}""", "as a string")]
    [InlineData(T5, """{"params": {"num_beams": 1}}""", "got nothing")]
    [InlineData(T5, """{"text": "a", "params": "fast"}""", "params")]
    [InlineData(Multilingual, """{"text": "a", "params": {"tgt_lang": "fr_XX"}}""", "`src_lang` and `tgt_lang` together")]
    [InlineData(Multilingual, """{"text": "a", "params": {"src_lang": "en_XX", "tgt_lang": "de_DE"}}""", "no language token de_DE")]
    [InlineData(Multilingual, """{"text": "a", "params": {"src_lang": "en_XX", "tgt_lang": "fr_XX", "forced_bos_token_id": 3}}""", "not both")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string model, string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, model, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_NumReturnSequences_400BeforeAnythingIsSent()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Trap, """{"text": "a", "params": {"num_beams": 2, "num_return_sequences": 2}, "stream": true}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("num_return_sequences", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    /// <summary>
    /// mBART-50 style: the source is [en_XX] a &lt;/s&gt; (en_XX in the source adds 7 to d, as m does) and fr_XX is forced
    /// first (it leads to a as the start token does, and is special so the text leaves it out): "a b c d". Without the
    /// language tokens (src_lang ignored) the answer would be "a b c".
    /// </summary>
    [Fact]
    public async Task Run_MultilingualSrcAndTgtLang_LanguageTokensAroundTheSourceAndForcedFirst()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Multilingual, """{"text": "a", "params": {"src_lang": "en_XX", "tgt_lang": "fr_XX"}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a b c d", AssertOutput(body).GetString());
    }

    [Theory]
    [InlineData(T5, "text2text-generation")] // added without a task: T5's task_specific_params mix summarization and translation
    [InlineData(BartCnn, "summarization")] // added without a task: only a summarization entry
    [InlineData(T5EnDe, "translation_en_to_de")]
    [InlineData(Trap, "text2text-generation")]
    public async Task ListModels_Seq2SeqFolders_WithTheirTask(string model, string task)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await GetAsync(client, $"list/models?modelId={model}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(task, Assert.Single(AssertOutput(body).EnumerateArray()).GetProperty("task").GetString());
    }

    [Fact]
    public async Task ListTasks_IncludesTheThreeTasks()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (_, body, _) = await GetAsync(client, "list/tasks");

        var tasks = AssertOutput(body).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("summarization", tasks);
        Assert.Contains("translation", tasks);
        Assert.Contains("text2text-generation", tasks);
    }

    private static async Task<(HttpResponseMessage Response, List<string> Chunks)> StreamAsync(HttpClient client, string model, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, model) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var chunks = new List<string>();
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[256];
        int read;
        while ((read = await body.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            chunks.Add(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return (response, chunks);
    }

    /// <summary>The server with the tiny encoder-decoders.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private Seq2SeqServer _seq2seq = null!;

        /// <summary>The running server.</summary>
        public TestServer Server => _seq2seq.Server;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => _seq2seq = await Seq2SeqServer.StartAsync();

        /// <inheritdoc />
        public ValueTask DisposeAsync() => _seq2seq.DisposeAsync();
    }
}
