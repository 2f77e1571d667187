using System.Text.Json;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Conformance;

/// <summary>
/// text-to-speech through the official bytez.js 3.0.0 client (it reads the model's task from <c>list/models</c>; its
/// answer's <c>output</c> is the file's URL, downloaded here with the key) and through our SDK (<c>GetMediaUrl</c> +
/// <c>DownloadAsync</c>, and <c>RunFileAsync</c>, which asks for the bytes with <c>json: false</c>), on the tiny
/// VITS-shaped model: the WAV's samples are the design's for the ids of "Hi, BOB!" (the blank k around h i ' ' b o b).
/// </summary>
public sealed class TextToSpeechConformanceTests(TextToSpeechConformanceTests.Fixture fixture) : IClassFixture<TextToSpeechConformanceTests.Fixture>
{
    private const string Voice = "tiny/vits";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private float[] HiBob => fixture.Model.Waveform(fixture.Model.IdsOf("khkik kbkokbk"));

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task JsClient_Run_AnswersAUrlToTheWav()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Voice, input = "Hi, BOB!" });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var url = result.GetProperty("output").GetString()!;
        using var client = CreateClient();
        var file = (await client.DownloadAsync(new Uri(url), Ct)).EnsureSuccess().Output!;
        Assert.Equal("audio/wav", file.ContentType);
        Assert.Equal(HiBob, WavFile.Read(file.Data).Samples);
    }

    [Fact]
    public async Task JsClient_BadInput_TheErrorMessage()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Voice, input = "123 !?" });

        Assert.Contains("none of its characters", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_UrlAndRawBytes_TheSameWav()
    {
        using var client = CreateClient();
        var model = client.Model(Voice);

        var url = (await model.RunAsync("Hi, BOB!", cancellationToken: Ct)).EnsureSuccess().GetMediaUrl();
        var downloaded = (await client.DownloadAsync(url, Ct)).EnsureSuccess().Output!;
        var raw = (await model.RunFileAsync("Hi, BOB!", cancellationToken: Ct)).EnsureSuccess().Output!;

        var wav = WavFile.Read(raw.Data);
        Assert.Equal((3, 1, 16000, 32), (wav.FormatTag, wav.Channels, wav.SampleRate, wav.BitsPerSample));
        Assert.Equal(HiBob, wav.Samples);
        Assert.Equal("audio/wav", raw.ContentType);
        Assert.Equal(raw.Data, downloaded.Data);
    }

    /// <summary>Writes the tiny model, adds it, and starts the server.</summary>
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
            _root = Directory.CreateTempSubdirectory("bytez-tts-conformance-").FullName;
            var models = Path.Combine(_root, "models");
            Model = VitsModelWriter.Write(Path.Combine(_root, "files", "vits"));
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([Model.Folder, "--id", Voice, "--task", "text-to-speech", $"--Bytez:ModelsPath={models}"], output, error);
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
