using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Server.Tests;

/// <summary>
/// summarization, translation (and translation_xx_to_yy) and text2text-generation through the real server on tiny real
/// ONNX encoder-decoders (<see cref="OnnxSeq2SeqModelWriter"/>). The expected texts follow from the designs:
/// <list type="bullet">
/// <item>the counter model (Marian-style generation config, &lt;pad&gt; a bad word) answers "a b c" greedily, "a b c d"
/// when an <c>m</c> is in the source (each m adds 7 to d, which then beats the end token's 10 after c);</item>
/// <item>the trap model: start → a 0.6 / b 0.4, a → c 0.55 / d 0.45, b → e 0.99: greedy "a c" (p 0.33), beam search
/// "b e" (p 0.396).</item>
/// </list>
/// </summary>
public sealed class Text2TextGenerationApiTests(Text2TextGenerationApiTests.Fixture fixture) : IClassFixture<Text2TextGenerationApiTests.Fixture>
{
    private const string T5 = "tiny/t5";
    private const string T5Summarization = "tiny/t5-summarization";
    private const string T5Translation = "tiny/t5-translation";
    private const string T5EnDe = "tiny/t5-en-de";
    private const string T5EnFr = "tiny/t5-en-fr";
    private const string Trap = "tiny/trap";
    private const string BartCnn = "tiny/bart-cnn";
    private const string Multilingual = "tiny/mbart50";

    [Theory]
    [InlineData(T5, """{"text": "a", "params": {"num_beams": 1}}""", "a b c")]
    [InlineData(T5, """{"input": "m", "params": {"num_beams": 1}}""", "a b c d")]
    [InlineData(T5Summarization, """{"text": "a"}""", "a b c d")] // task_specific_params: prefix "m ", num_beams 1
    [InlineData(T5EnDe, """{"text": "a"}""", "a b c d")] // translation_en_to_de: its own entry, prefix "m "
    [InlineData(T5EnFr, """{"text": "a"}""", "a b c")] // translation_en_to_fr: no prefix
    [InlineData(T5Translation, """{"text": "a"}""", "a b c d")] // translation: the first translation_* entry (en_to_de)
    [InlineData(BartCnn, """{"text": "a"}""", "a b c")]
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
    [InlineData(Multilingual, """{"text": "a"}""", "`src_lang` and `tgt_lang`")]
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
    /// first (it leads to a as the start token does, and is special so the text leaves it out): "a b c d".
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

    /// <summary>Writes the tiny encoder-decoders, adds them (some without a task, to be recognised), and starts the server.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-text2text-").FullName;
            var models = Path.Combine(_root, "models");
            var t5 = Write(Path.Combine(_root, "files", "t5"), new OnnxSeq2SeqModelOptions
            {
                GenerationConfig = MarianStyleGenerationConfig(),
                TaskSpecificParams = new JsonObject
                {
                    ["summarization"] = new JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 },
                    ["translation_en_to_de"] = new JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 },
                    ["translation_en_to_fr"] = new JsonObject { ["num_beams"] = 1 },
                },
            });
            var trap = Write(Path.Combine(_root, "files", "trap"), new OnnxSeq2SeqModelOptions
            {
                Table = Table(
                    ("<pad>", "a", MathF.Log(0.6f)), ("<pad>", "b", MathF.Log(0.4f)),
                    ("a", "c", MathF.Log(0.55f)), ("a", "d", MathF.Log(0.45f)),
                    ("b", "e", MathF.Log(0.99f)), ("b", "f", MathF.Log(0.01f)),
                    ("c", "</s>", 0), ("d", "</s>", 0), ("e", "</s>", 0), ("f", "</s>", 0)),
                SourceBias = Bias(),
            });
            var bart = Write(Path.Combine(_root, "files", "bart"), new OnnxSeq2SeqModelOptions
            {
                BartConfig = true,
                GenerationConfig = MarianStyleGenerationConfig(),
                TaskSpecificParams = new JsonObject { ["summarization"] = new JsonObject { ["num_beams"] = 1, ["no_repeat_ngram_size"] = 3 } },
            });
            var multilingual = WriteMultilingual(Path.Combine(_root, "files", "mbart50"));
            foreach (var (folder, id, task) in new (string, string, string?)[]
            {
                (t5.Folder, T5, null), (t5.Folder, T5Summarization, "summarization"), (t5.Folder, T5Translation, "translation"),
                (t5.Folder, T5EnDe, "translation_en_to_de"), (t5.Folder, T5EnFr, "translation_en_to_fr"),
                (trap.Folder, Trap, null), (bart.Folder, BartCnn, null), (multilingual, Multilingual, "translation"),
            })
            {
                using var output = new StringWriter();
                using var error = new StringWriter();
                string[] args = task is null
                    ? [folder, "--id", id, $"--Bytez:ModelsPath={models}"]
                    : [folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
                var code = AddModelCommand.Run(args, output, error);
                Assert.True(code == 0, $"add-model {id} failed ({code}): {error}");
            }

            Server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
            });
        }

        /// <summary>
        /// The counter model with an mBART-50 tokenizer: tokens k and l become the special language tokens en_XX and fr_XX;
        /// fr_XX leads to a (as the start token does) and en_XX in the source adds 7 to d (as m does).
        /// </summary>
        private static string WriteMultilingual(string folder)
        {
            var table = CounterTable();
            table[Id("l")] = (float[])table[Id("<pad>")].Clone();
            var model = Write(folder, new OnnxSeq2SeqModelOptions
            {
                Table = table,
                SourceBias = Bias(("m", "d", 7f), ("k", "d", 7f)),
                GenerationConfig = MarianStyleGenerationConfig(),
            });
            var tokenizerPath = Path.Combine(model.Folder, "tokenizer.json");
            var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
            var vocab = tokenizer["model"]!["vocab"]!.AsArray();
            foreach (var (token, language) in new[] { ("k", "en_XX"), ("l", "fr_XX") })
            {
                vocab[Id(token)] = new JsonArray(language, 0.0);
                tokenizer["added_tokens"]!.AsArray().Add(new JsonObject
                {
                    ["id"] = Id(token), ["content"] = language, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true,
                });
            }

            File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());
            var configPath = Path.Combine(model.Folder, "tokenizer_config.json");
            var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            config["tokenizer_class"] = "MBart50TokenizerFast";
            File.WriteAllText(configPath, config.ToJsonString());
            return model.Folder;
        }

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
