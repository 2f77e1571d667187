using System.Net;
using System.Text.Json;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// text-classification through the real server on a tiny real ONNX classifier added from a local folder (good adds
/// [-2, 3] to the logits of [NEGATIVE, POSITIVE], bad [3, -2]); the same folder is also served as sentiment-analysis.
/// </summary>
public sealed class TextClassificationApiTests(TextClassificationApiTests.Fixture fixture) : IClassFixture<TextClassificationApiTests.Fixture>
{
    private const string Classifier = "tiny/classifier";
    private const string Sentiment = "tiny/sentiment";

    [Fact]
    public async Task Run_GoodMovie_ListOfTheBestLabelWithItsFloat32Score()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Classifier, """{"text": "good movie"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var item = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal("POSITIVE", item.GetProperty("label").GetString());
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score);
        Assert.Equal(1 / (1 + Math.Exp(-5)), score, 1e-6);
    }

    [Fact]
    public async Task Run_SentimentAnalysisAlias_TopKNull_AllLabelsSorted()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Sentiment, """{"input": "bad film", "params": {"top_k": null}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var labels = AssertOutput(body).EnumerateArray().Select(i => i.GetProperty("label").GetString()).ToList();
        Assert.Equal(["NEGATIVE", "POSITIVE"], labels);
    }

    [Theory]
    [InlineData("""{"text": "good", "params": {"top_k": "two"}}""", "top_k")]
    [InlineData("""{"text": "good", "params": {"max_new_tokens": 3}}""", "supported parameters: top_k, function_to_apply, return_all_scores")]
    [InlineData("""{"input": {"question": "q"}}""", "as a string or a list of strings")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Classifier, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTasks_IncludesTextClassificationAndItsAlias()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (_, body, _) = await GetAsync(client, "list/tasks");

        var tasks = AssertOutput(body).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("text-classification", tasks);
        Assert.Contains("sentiment-analysis", tasks);
    }

    /// <summary>Writes the classifier, adds it under two ids and tasks, and starts the server.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-text-classification-").FullName;
            var model = TextClassificationModelWriter.Write(Path.Combine(_root, "files", "classifier"));
            var models = Path.Combine(_root, "models");
            foreach (var (id, task) in new[] { (Classifier, "text-classification"), (Sentiment, "sentiment-analysis") })
            {
                using var output = new StringWriter();
                using var error = new StringWriter();
                var code = AddModelCommand.Run([model.Folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
                Assert.True(code == 0, $"add-model failed ({code}): {error}");
            }

            Server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Onnx:Sessions"] = "2",
            });
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
