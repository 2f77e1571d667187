using System.Text.Json;
using Bytez.Media.Audio;
using Bytez.Protocol;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Conformance;

/// <summary>
/// audio-classification and automatic-speech-recognition through the official bytez.js 3.0.0 client (the WAV as
/// base64 in <c>input</c>) and through our SDK (<see cref="BytezMedia"/>, <c>GetText()</c>, <c>GetLabels()</c>), on
/// the tiny quiet/loud classifier and the tiny CTC model; the answers are the designs': "HI BOB" from its tones, the
/// labels and softmax scores of logits [0, 100·power − 1].
/// </summary>
public sealed class AudioTaskConformanceTests(AudioTaskConformanceTests.Fixture fixture) : IClassFixture<AudioTaskConformanceTests.Fixture>
{
    private const string Classifier = "tiny/audio-classifier";
    private const string Speech = "tiny/ctc-speech";

    private static readonly float[] HiBob = new[]
    {
        CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
        CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3),
    }.SelectMany(p => p).ToArray();

    private static readonly float[] Tone = CtcSpeechModel.Tone('A', 20);

    private static byte[] Wav(float[] samples) => WavEncoder.EncodeFloat32(samples, 16000);

    private static double LoudScore()
    {
        var logits = AudioClassifierModel.Logits(Tone);
        return 1 / (1 + Math.Exp(logits[0] - logits[1]));
    }

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task JsClient_Speech_HiBob()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Speech, input = Convert.ToBase64String(Wav(HiBob)) });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal("HI BOB", result.GetProperty("output").GetString());
    }

    [Fact]
    public async Task JsClient_AudioClassification_LoudFirst()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Classifier, input = Convert.ToBase64String(Wav(Tone)) });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var items = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["loud", "quiet"], items.Select(i => i.GetProperty("label").GetString()));
        Assert.Equal(LoudScore(), items[0].GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task Sdk_Speech_GetText_HiBob()
    {
        using var client = CreateClient();

        var result = await client.Model(Speech).RunAsync(BytezMedia.FromBytes(Wav(HiBob), "audio/wav"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("HI BOB", result.GetText());
    }

    [Fact]
    public async Task Sdk_AudioClassification_GetLabels_TopK()
    {
        using var client = CreateClient();

        var result = await client.Model(Classifier).RunAsync(BytezMedia.FromBytes(Wav(Tone), "audio/wav"), new ModelParameters { TopK = 1 }, TestContext.Current.CancellationToken);

        var label = Assert.Single(result.GetLabels());
        Assert.Equal("loud", label.Label);
        Assert.Equal(LoudScore(), label.Score, 1e-6);
    }

    /// <summary>Writes the two tiny models, adds them, and starts the server.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-audio-conformance-").FullName;
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
