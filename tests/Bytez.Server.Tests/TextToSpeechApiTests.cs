using System.Net;
using System.Text;
using Bytez.Engine.Tasks;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// text-to-speech through the real server on the tiny VITS-shaped model (added without naming a task: the folder is
/// recognised as one): the answer is a URL under <c>/files</c> served with the key only, or with <c>json: false</c> the
/// WAV itself (<c>audio/wav</c>); either way a 32-bit float WAV whose samples are the design's for the tokenizer's ids.
/// Bad input is a 400 envelope naming the problem.
/// </summary>
public sealed class TextToSpeechApiTests(TextToSpeechApiTests.Fixture fixture) : IClassFixture<TextToSpeechApiTests.Fixture>
{
    private const string Voice = "tiny/vits";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>"Hi, BOB!" → "hi bob" → the blank k around each character.</summary>
    private float[] HiBob => fixture.Model.Waveform(fixture.Model.IdsOf("khkik kbkokbk"));

    [Fact]
    public async Task Json_AnswersAUrlToTheWav_DownloadedWithTheKeyOnly()
    {
        using var client = fixture.Server.CreateHttpClient();
        using var noKey = fixture.Server.CreateHttpClient(authorization: null);

        var (status, body, _) = await PostAsync(client, Voice, """{"text": "Hi, BOB!"}""");
        var url = AssertOutput(body).GetString()!;
        using var download = await client.GetAsync(url, Ct);
        var (refused, _, _) = await GetAsync(noKey, url);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("/files/[0-9a-f]{32}\\.wav$", url);
        Assert.StartsWith(fixture.Server.BaseAddress.ToString(), url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("audio/wav", download.Content.Headers.ContentType?.MediaType);
        var wav = WavFile.Read(await download.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal((3, 1, 16000, 32), (wav.FormatTag, wav.Channels, wav.SampleRate, wav.BitsPerSample));
        Assert.Equal(HiBob, wav.Samples);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
    }

    [Fact]
    public async Task JsonFalse_AnswersTheWavBytes()
    {
        using var client = fixture.Server.CreateHttpClient();
        using var content = new StringContent("""{"input": "Hi, BOB!", "json": false}""", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(Voice, content, Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal(HiBob, WavFile.Read(bytes).Samples);
    }

    [Fact]
    public async Task ListedUnderItsTask()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (_, models, _) = await GetAsync(client, "list/models?task=text-to-speech");
        var (_, tasks, _) = await GetAsync(client, "list/tasks");

        Assert.Equal(Voice, Assert.Single(AssertOutput(models).EnumerateArray()).GetProperty("modelId").GetString());
        Assert.Contains("text-to-speech", AssertOutput(tasks).EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("""{"text": ""}""", "empty")]
    [InlineData("""{"text": "123 !?"}""", "none of its characters")]
    [InlineData("""{"input": ["hi", "bob"]}""", "one string")]
    [InlineData("""{"text": "hi", "params": {"speaking_rate": 2}}""", "Unknown parameter `speaking_rate`")]
    [InlineData("""{"text": "hi", "json": false, "params": {"seed": 1}}""", "Unknown parameter `seed`")]
    public async Task BadInput_Is400NamingIt(string json, string named)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Voice, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(named, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooLong_Is400NamingTheLimit()
    {
        using var client = fixture.Server.CreateHttpClient();
        var text = new string('a', TextToSpeechPipeline.MaxTokens);

        var (status, body, _) = await PostAsync(client, Voice, $$"""{"text": "{{text}}"}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"at most {TextToSpeechPipeline.MaxTokens}", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    /// <summary>Writes the tiny model, adds it without a task, and starts the server.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <summary>The tiny model's design.</summary>
        public VitsTinyModel Model { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-tts-").FullName;
            var models = Path.Combine(_root, "models");
            Model = VitsModelWriter.Write(Path.Combine(_root, "files", "vits"));
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([Model.Folder, "--id", Voice, $"--Bytez:ModelsPath={models}"], output, error);
            Assert.True(code == 0, $"add-model failed ({code}): {error}");

            Server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Onnx:Sessions"] = "1",
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
                // best effort
            }
        }
    }
}
