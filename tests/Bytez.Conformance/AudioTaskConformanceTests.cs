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
/// the tiny quiet/loud classifier, the tiny AST-shaped classifier (Kaldi fbank features), the tiny CTC model and the
/// tiny Whisper; the answers are the designs': "HI BOB" from its tones (and its words' frames), the labels and softmax
/// scores of logits [0, 100·power − 1], the band of the fbank a tone falls in, Whisper's " hello world" for a low tone
/// and " bonjour monde" for a high one, windows merged as <c>_decode_asr</c> merges them.
/// </summary>
public sealed class AudioTaskConformanceTests(AudioTaskConformanceTests.Fixture fixture) : IClassFixture<AudioTaskConformanceTests.Fixture>
{
    private const string Classifier = "tiny/audio-classifier";
    internal const string Speech = "tiny/ctc-speech";
    private const string Ast = "tiny/ast-classifier";
    internal const string Whisper = "tiny/whisper";

    /// <summary>2.2 s: low tone 0–1.2 s, silence, high tone 1.6–2.2 s; in 1 s chunks with 0.2 s strides (starts 0, 0.6,
    /// 1.2 s) the windows read " hello world" twice (merged once) and " bonjour monde".</summary>
    private static readonly float[] LowThenHigh = [.. WhisperModelWriter.LowTone(1.2), .. WhisperModelWriter.Silence(0.4), .. WhisperModelWriter.HighTone(0.6)];

    /// <summary>A 16-bit PCM mono WAV at 16 kHz (half the bytes of float32: bytez.js takes its input on the command line here).</summary>
    private static byte[] Pcm16Wav(float[] samples)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples.Length * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(16000);
        writer.Write(16000 * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples.Length * 2);
        foreach (var sample in samples)
        {
            writer.Write((short)Math.Round(Math.Clamp(sample, -1f, 1f) * 32767));
        }

        writer.Flush();
        return stream.ToArray();
    }

    internal static readonly float[] HiBob = new[]
    {
        CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
        CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3),
    }.SelectMany(p => p).ToArray();

    private static readonly float[] Tone = CtcSpeechModel.Tone('A', 20);

    internal static byte[] Wav(float[] samples) => WavEncoder.EncodeFloat32(samples, 16000);

    /// <summary>Half a second of a sine of amplitude 0.5 at 16 kHz.</summary>
    private static float[] Sine(int hz) => Enumerable.Range(0, 8000).Select(n => 0.5f * (float)Math.Sin(2 * Math.PI * hz * n / 16000)).ToArray();

    /// <summary>
    /// The AST classifier's answer by design: the softmax of its band means over the sound's Kaldi fbank features
    /// (<see cref="AstFeatureExtractor"/>, checked against transformers' numpy path and torchaudio's Kaldi fbank), best first.
    /// </summary>
    private static (string Label, double Score)[] AstDesign(float[] samples)
    {
        var logits = AstAudioClassifierModel.Logits(new AstFeatureExtractor(new AstFeatureConfig()).Extract(samples));
        var max = logits.Max();
        var sum = logits.Sum(l => Math.Exp(l - max));
        return logits.Select((l, i) => (AstAudioClassifierModelWriter.Labels[i], Math.Exp(l - max) / sum)).OrderByDescending(p => p.Item2).ToArray();
    }

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
    public async Task JsClient_Whisper_Chunked_WindowsMerged()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new
        {
            modelId = Whisper,
            input = Convert.ToBase64String(Pcm16Wav(LowThenHigh)),
            @params = new { chunk_length_s = 1, stride_length_s = 0.2 },
        });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal(" hello world bonjour monde", result.GetProperty("output").GetString());
    }

    [Fact]
    public async Task JsClient_Whisper_Timestamps_TextAndChunks()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new
        {
            modelId = Whisper,
            input = Convert.ToBase64String(Wav(WhisperModelWriter.LowTone(1))),
            @params = new { return_timestamps = true },
        });

        var output = result.GetProperty("output");
        Assert.Equal(" hello world", output.GetProperty("text").GetString());
        var chunk = Assert.Single(output.GetProperty("chunks").EnumerateArray());
        Assert.Equal(" hello world", chunk.GetProperty("text").GetString());
        Assert.Equal([0.0, 0.4], chunk.GetProperty("timestamp").EnumerateArray().Select(t => t.GetDouble()));
    }

    [Fact]
    public async Task JsClient_Whisper_WordTimestamps_400SaysWhy()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new
        {
            modelId = Whisper,
            input = Convert.ToBase64String(Wav(WhisperModelWriter.LowTone(1))),
            @params = new { return_timestamps = "word" },
        });

        Assert.Contains("cross-attention", result.GetProperty("error").GetString(), StringComparison.Ordinal);
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
    public async Task JsClient_AstClassifier_AHighToneIsHigh()
    {
        var tone = Sine(4000);

        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Ast, input = Convert.ToBase64String(Wav(tone)) });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var items = result.GetProperty("output").EnumerateArray().ToList();
        var expected = AstDesign(tone);
        Assert.Equal("high", expected[0].Label);
        Assert.Equal(expected.Select(e => e.Label), items.Select(i => i.GetProperty("label").GetString()));
        Assert.Equal(expected.Select(e => e.Score), items.Select(i => i.GetProperty("score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Theory]
    [InlineData(500, "low")]
    [InlineData(1600, "mid")]
    [InlineData(4000, "high")]
    public async Task Sdk_AstClassifier_GetLabels_TheToneBandWins(int hz, string label)
    {
        using var client = CreateClient();
        var tone = Sine(hz);

        var labels = (await client.Model(Ast).RunAsync(BytezMedia.FromBytes(Wav(tone), "audio/wav"), cancellationToken: TestContext.Current.CancellationToken)).GetLabels();

        var expected = AstDesign(tone);
        Assert.Equal(label, labels[0].Label);
        Assert.Equal(expected.Select(e => e.Label), labels.Select(l => l.Label));
        Assert.Equal(expected.Select(e => e.Score), labels.Select(l => l.Score), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public async Task Sdk_Speech_GetTranscription_WordChunksWithTheirFrames()
    {
        using var client = CreateClient();

        var result = await client.Model(Speech).RunAsync(
            BytezMedia.FromBytes(Wav(HiBob), "audio/wav"), new ModelParameters { AdditionalProperties = { ["return_timestamps"] = JsonSerializer.SerializeToElement("word") } },
            TestContext.Current.CancellationToken);

        // HI spans frames 0–6 and BOB frames 10–19, 320 samples (0.02 s) each.
        var transcription = result.GetTranscription();
        Assert.Equal("HI BOB", transcription.Text);
        Assert.Equal(["HI", "BOB"], transcription.Chunks.Select(c => c.Text));
        Assert.Equal([0.0, 0.12, 0.2, 0.38], transcription.Chunks.SelectMany(c => new[] { c.Start!.Value, c.End!.Value }), (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public async Task Sdk_Speech_GetText_HiBob()
    {
        using var client = CreateClient();

        var result = await client.Model(Speech).RunAsync(BytezMedia.FromBytes(Wav(HiBob), "audio/wav"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("HI BOB", result.GetText());
        var transcription = result.GetTranscription();
        Assert.Equal("HI BOB", transcription.Text);
        Assert.Empty(transcription.Chunks);
    }

    [Fact]
    public async Task Sdk_Whisper_TranslateFrench_GetText()
    {
        using var client = CreateClient();
        var parameters = new ModelParameters();
        parameters.AdditionalProperties["language"] = JsonSerializer.SerializeToElement("french");
        parameters.AdditionalProperties["task"] = JsonSerializer.SerializeToElement("translate");

        var french = await client.Model(Whisper).RunAsync(
            BytezMedia.FromBytes(Wav(WhisperModelWriter.HighTone(2)), "audio/wav"), cancellationToken: TestContext.Current.CancellationToken);
        var translated = await client.Model(Whisper).RunAsync(
            BytezMedia.FromBytes(Wav(WhisperModelWriter.HighTone(2)), "audio/wav"), parameters, TestContext.Current.CancellationToken);

        Assert.Equal(" bonjour monde", french.GetText());
        Assert.Equal(" hello world", translated.GetText());
    }

    [Fact]
    public async Task Sdk_Whisper_LongSoundWithoutChunking_400NamesChunkLength()
    {
        using var client = CreateClient();

        var result = await client.Model(Whisper).RunAsync(
            BytezMedia.FromBytes(Wav(WhisperModelWriter.LowTone(31)), "audio/wav"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(400, (int?)result.StatusCode);
        Assert.Contains("chunk_length_s", result.Error, StringComparison.Ordinal);
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
            var whisper = WhisperModelWriter.Write(Path.Combine(_root, "files", "whisper"));
            var ast = AstAudioClassifierModelWriter.Write(Path.Combine(_root, "files", "ast"));
            foreach (var (folder, id, task) in new[]
            {
                (classifier.Folder, Classifier, "audio-classification"), (speech.Folder, Speech, "automatic-speech-recognition"), (ast.Folder, Ast, "audio-classification"),
                (whisper.Folder, Whisper, "automatic-speech-recognition"),
            })
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
