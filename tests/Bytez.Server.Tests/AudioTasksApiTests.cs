using System.Net;
using Bytez.Media.Audio;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// audio-classification and automatic-speech-recognition through the real server on the tiny quiet/loud classifier
/// and the tiny CTC model, the sound sent as a float32 WAV in every media form (base64, a data URI, <c>input</c>, a URL
/// on a loopback origin the configuration allows); bad media answered with 415, 400 or 413, never a 500.
/// </summary>
public sealed class AudioTasksApiTests(AudioTasksApiTests.Fixture fixture) : IClassFixture<AudioTasksApiTests.Fixture>
{
    private const string Classifier = "tiny/audio-classifier";
    private const string Speech = "tiny/ctc-speech";

    /// <summary>H I, a blank, |, B O B: "HI BOB" by the CTC model's design.</summary>
    private static readonly float[] HiBob = new[]
    {
        CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
        CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3),
    }.SelectMany(p => p).ToArray();

    private static byte[] Wav(float[] samples, int rate = 16000) => WavEncoder.EncodeFloat32(samples, rate);

    private static string B64(float[] samples, int rate = 16000) => Convert.ToBase64String(Wav(samples, rate));

    [Fact]
    public async Task Speech_EveryMediaForm_HiBob()
    {
        await using var origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["hi.wav"] = Wav(HiBob) });
        using var client = fixture.Server.CreateHttpClient();
        string[] bodies =
        [
            $$"""{"base64": "{{B64(HiBob)}}"}""",
            $$"""{"base64": "data:audio/wav;base64,{{B64(HiBob)}}"}""",
            $$"""{"input": "{{B64(HiBob)}}"}""",
            $$$"""{"input": {"base64": "{{{B64(HiBob)}}}"}}""",
            $$"""{"url": "{{origin.Url("file/hi.wav")}}"}""",
        ];

        foreach (var json in bodies)
        {
            var (status, body, _) = await PostAsync(client, Speech, json);

            Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
            Assert.Equal("HI BOB", AssertOutput(body).GetString());
        }
    }

    [Fact]
    public async Task Speech_WordTimestamps_TextAndChunks()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Speech, $$$"""{"base64": "{{{B64(HiBob)}}}", "params": {"return_timestamps": "word"}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal("HI BOB", output.GetProperty("text").GetString());
        var chunks = output.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(["HI", "BOB"], chunks.Select(c => c.GetProperty("text").GetString()));
        Assert.Equal([0.0, 6 * 0.02], chunks[0].GetProperty("timestamp").EnumerateArray().Select(t => t.GetDouble()));
        Assert.Equal([10 * 0.02, 19 * 0.02], chunks[1].GetProperty("timestamp").EnumerateArray().Select(t => t.GetDouble()));
    }

    [Fact]
    public async Task Classifier_LoudToneAndSilence_LabelsFromThePower()
    {
        using var client = fixture.Server.CreateHttpClient();
        var tone = CtcSpeechModel.Tone('A', 20);

        var (status, loud, _) = await PostAsync(client, Classifier, $$"""{"base64": "{{B64(tone)}}"}""");
        var (_, quiet, _) = await PostAsync(client, Classifier, $$$"""{"input": "{{{B64(new float[8000])}}}", "params": {"top_k": 1}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var logits = AudioClassifierModel.Logits(tone);
        var items = AssertOutput(loud).EnumerateArray().ToList();
        Assert.Equal(["loud", "quiet"], items.Select(i => i.GetProperty("label").GetString()));
        Assert.Equal(1 / (1 + Math.Exp(logits[0] - logits[1])), items[0].GetProperty("score").GetDouble(), 1e-6);
        var only = Assert.Single(AssertOutput(quiet).EnumerateArray());
        Assert.Equal("quiet", only.GetProperty("label").GetString());
        Assert.Equal(1 / (1 + Math.Exp(-1)), only.GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task BadMedia_415_400_413_NeverA500()
    {
        using var client = fixture.Server.CreateHttpClient();
        var wav = Wav(HiBob);
        (string Json, HttpStatusCode Expected, string Named)[] cases =
        [
            ($$"""{"base64": "{{Convert.ToBase64String("garbage, not a sound file"u8.ToArray())}}"}""", HttpStatusCode.UnsupportedMediaType, "audio"),
            ($$"""{"base64": "{{Convert.ToBase64String(wav[..40])}}"}""", HttpStatusCode.BadRequest, "base64"),
            ($$"""{"base64": "{{B64(new float[60000])}}"}""", HttpStatusCode.RequestEntityTooLarge, "Bytez:Media:MaxBytes"),
            ($$"""{"base64": "{{B64(new float[24000], 8000)}}"}""", HttpStatusCode.RequestEntityTooLarge, "base64"),
            ("""{"params": {"top_k": 1}}""", HttpStatusCode.BadRequest, "base64"),
        ];

        foreach (var model in new[] { Classifier, Speech })
        {
            foreach (var (json, expected, named) in cases)
            {
                var (status, body, _) = await PostAsync(client, model, model == Speech ? json.Replace("\"top_k\": 1", "\"return_timestamps\": \"word\"", StringComparison.Ordinal) : json);

                Assert.True(status == expected, $"{model}: expected {expected}, got {status}: {body}");
                Assert.Contains(named, AssertErrorEnvelope(body), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task UnknownParameter_400NamingTheKnownOnes()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Classifier, $$$"""{"base64": "{{{B64(HiBob)}}}", "params": {"topk": 2}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = AssertErrorEnvelope(body);
        Assert.Contains("top_k", message, StringComparison.Ordinal);
        Assert.Contains("function_to_apply", message, StringComparison.Ordinal);
    }

    /// <summary>Writes the two tiny models, adds them, and starts the server (loopback URLs allowed, small media limits).</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-audio-tasks-").FullName;
            var models = Path.Combine(_root, "models");
            var classifier = AudioClassifierModelWriter.Write(Path.Combine(_root, "files", "classifier"));
            var speech = CtcSpeechModelWriter.Write(Path.Combine(_root, "files", "speech"));
            foreach (var (folder, id, task) in new[] { (classifier.Folder, Classifier, "audio-classification"), (speech.Folder, Speech, "automatic-speech-recognition") })
            {
                using var output = new StringWriter();
                using var error = new StringWriter();
                var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
                Assert.True(code == 0, $"add-model failed ({code}): {error}");
            }

            Server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Onnx:Sessions"] = "1",
                ["Bytez:Media:UrlAllowList"] = "127.0.0.1",
                ["Bytez:Media:MaxBytes"] = "200000",
                ["Bytez:Media:MaxAudioDuration"] = "00:00:02",
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
