using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Bytez.Engine.Embedded;
using Bytez.Engine.Tokenization;
using Bytez.Media.Audio;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Embeddings;

namespace Bytez.Conformance;

/// <summary>
/// The official OpenAI clients, unchanged, against our server's <c>/v1</c> base: the .NET SDK (NuGet <c>OpenAI</c>
/// 2.15.0) and the <c>openai</c> npm package. Embeddings on the embedded MiniLM equal the Bytez route's vectors
/// (the SDKs ask base64 by default and decode it; the float form is asked explicitly); transcriptions of a WAV on the
/// tiny Whisper and CTC models (verbose_json segments, sound longer than 30 s, a prompt); token-id input and
/// Matryoshka <c>dimensions</c> (on a MiniLM copy that declares widths); speech from the tiny VITS.
/// </summary>
public sealed class OpenAiMediaConformanceTests(
    ServerFixture embedded, OpenAiMediaConformanceTests.AudioFixture audio, OpenAiMediaConformanceTests.MatryoshkaFixture matryoshka)
    : IClassFixture<ServerFixture>, IClassFixture<OpenAiMediaConformanceTests.AudioFixture>, IClassFixture<OpenAiMediaConformanceTests.MatryoshkaFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string Ctc = "tiny/ctc-speech";
    private const string Whisper = "tiny/whisper";
    private const string Vits = "tiny/vits";

    private static readonly string[] Texts = ["Hello world", "The official clients work unchanged."];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static OpenAIClient Client(TestServer server) =>
        new(new ApiKeyCredential(TestServer.Key), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });

    private async Task<float[][]> BytezVectorsAsync()
    {
        using var client = embedded.Server.CreateHttpClient();
        using var response = await client.PostAsync(MiniLm, new StringContent(JsonSerializer.Serialize(new { input = Texts }), System.Text.Encoding.UTF8, "application/json"), Ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        return [.. body.GetProperty("output").EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray())];
    }

    [Fact]
    public async Task DotNetSdk_GenerateEmbeddings_Base64ByDefault_EqualsTheBytezRoute()
    {
        var expected = await BytezVectorsAsync();

        OpenAIEmbeddingCollection result = await Client(embedded.Server).GetEmbeddingClient(MiniLm).GenerateEmbeddingsAsync(Texts, cancellationToken: Ct);

        Assert.Equal(Texts.Length, result.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i], result[i].ToFloats().ToArray());
        }

        Assert.True(result.Usage.InputTokenCount > 4, $"{result.Usage.InputTokenCount} tokens"); // "Hello world" alone is 4
    }

    [Fact]
    public async Task DotNetSdk_GenerateEmbeddings_FloatFormat_EqualsTheBytezRoute()
    {
        var expected = await BytezVectorsAsync();
        var client = Client(embedded.Server).GetEmbeddingClient(MiniLm);
        using var content = BinaryContent.Create(BinaryData.FromObjectAsJson(new { model = MiniLm, input = Texts, encoding_format = "float" }));

        var raw = await client.GenerateEmbeddingsAsync(content, new RequestOptions { CancellationToken = Ct });
        var result = ModelReaderWriter.Read<OpenAIEmbeddingCollection>(raw.GetRawResponse().Content)!;

        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i], result[i].ToFloats().ToArray());
        }
    }

    [Fact]
    public async Task DotNetSdk_GenerateEmbeddingsOfTokenIds_EqualTheBytezRoutesVectorsOfTheirTexts()
    {
        var expected = await BytezVectorsAsync();
        // The whole encodings of the two texts by the model's own tokenizer ([CLS] ... [SEP]).
        var tokenizer = BertWordPieceTokenizer.FromDirectory(EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, EmbeddedModels.MiniLM, Ct).Path);
        var ids = Texts.Select(t => tokenizer.Encode(t, 256).Ids).ToArray();
        Assert.Equal([101, 7592, 2088, 102], ids[0]);

        OpenAIEmbeddingCollection result = await Client(embedded.Server).GetEmbeddingClient(MiniLm)
            .GenerateEmbeddingsAsync(ids.Select(i => new ReadOnlyMemory<int>(i)), cancellationToken: Ct);

        Assert.Equal(2, result.Count);
        Assert.Equal(expected[0], result[0].ToFloats().ToArray());
        Assert.Equal(expected[1], result[1].ToFloats().ToArray());
        Assert.Equal(ids.Sum(i => i.Length), result.Usage.InputTokenCount);
    }

    [Fact]
    public async Task DotNetSdk_GenerateEmbeddingsWithDimensions_MatryoshkaWidthRenormalized_TooWide400()
    {
        var client = Client(matryoshka.Server.Server).GetEmbeddingClient(MatryoshkaServer.ListedModel);
        OpenAIEmbedding full = await client.GenerateEmbeddingAsync("Hello world", cancellationToken: Ct);

        OpenAIEmbedding shortened = await client.GenerateEmbeddingAsync("Hello world", new EmbeddingGenerationOptions { Dimensions = 128 }, Ct);
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => client.GenerateEmbeddingAsync("Hello world", new EmbeddingGenerationOptions { Dimensions = 100 }, Ct));

        var whole = full.ToFloats().ToArray();
        var vector = shortened.ToFloats().ToArray();
        Assert.Equal(128, vector.Length);
        var norm = Math.Sqrt(whole.Take(128).Sum(x => (double)x * x));
        for (var k = 0; k < 128; k++)
        {
            Assert.Equal(whole[k] / norm, vector[k], 5);
        }

        Assert.Equal(400, error.Status);
        Assert.Contains("64, 128, 256, 384", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotNetSdk_TranscribeAudioLongerThan30s_BothWindowsHeard()
    {
        var client = Client(audio.Server).GetAudioClient(Whisper);
        float[] sound = [.. WhisperModelWriter.Silence(10), .. WhisperModelWriter.LowTone(1), .. WhisperModelWriter.Silence(29), .. WhisperModelWriter.HighTone(1), .. WhisperModelWriter.Silence(4)];
        var bytes = WavEncoder.EncodeFloat32(sound, 16000);
        using var wav = new MemoryStream(bytes);
        using var again = new MemoryStream(bytes);

        AudioTranscription simple = await client.TranscribeAudioAsync(wav, "long.wav", new AudioTranscriptionOptions
        {
            Prompt = "A greeting, then the same in French.",
            Temperature = 0,
        }, Ct);
        AudioTranscription verbose = await client.TranscribeAudioAsync(again, "long.wav", new AudioTranscriptionOptions
        {
            ResponseFormat = AudioTranscriptionFormat.Verbose,
            TimestampGranularities = AudioTimestampGranularities.Segment,
        }, Ct);

        Assert.Equal(" hello world bonjour monde", simple.Text); // the French tone is at 40 s, in the second window
        Assert.Equal(TimeSpan.FromSeconds(45), verbose.Duration);
        Assert.False(string.IsNullOrEmpty(verbose.Language));
        Assert.NotEmpty(verbose.Segments);
        Assert.All(verbose.Segments, s => Assert.NotEmpty(s.TokenIds.ToArray()));
    }

    [Fact]
    public async Task DotNetSdk_TranscribeAudio_VerboseJsonSegments()
    {
        var client = Client(audio.Server).GetAudioClient(Whisper);
        using var wav = new MemoryStream(WavEncoder.EncodeFloat32(WhisperModelWriter.LowTone(1), 16000));

        AudioTranscription result = await client.TranscribeAudioAsync(wav, "speech.wav", new AudioTranscriptionOptions
        {
            ResponseFormat = AudioTranscriptionFormat.Verbose,
            TimestampGranularities = AudioTimestampGranularities.Segment,
        }, Ct);

        Assert.Equal(" hello world", result.Text);
        Assert.Equal("english", result.Language);
        var segment = Assert.Single(result.Segments);
        Assert.Equal(TimeSpan.Zero, segment.StartTime);
        Assert.Equal(TimeSpan.FromSeconds(0.4), segment.EndTime);
        Assert.Equal(" hello world", segment.Text);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Duration);
        Assert.Equal([WhisperModelWriter.Id("hello"), WhisperModelWriter.Id("world")], segment.TokenIds.ToArray());
        Assert.Equal(0, segment.SeekOffset);
        Assert.InRange(segment.NoSpeechProbability, 0f, 0.5f);
        Assert.True(segment.CompressionRatio > 0);
    }

    [Fact]
    public async Task DotNetSdk_TranscribeAudio_CtcSimpleJson()
    {
        var client = Client(audio.Server).GetAudioClient(Ctc);
        using var wav = new MemoryStream(WavEncoder.EncodeFloat32(AudioFixture.HiBob, 16000));

        AudioTranscription result = await client.TranscribeAudioAsync(wav, "speech.wav", cancellationToken: Ct);

        Assert.Equal("HI BOB", result.Text);
    }

    [Fact]
    public async Task DotNetSdk_TranslateAudio_FrenchToEnglish()
    {
        var client = Client(audio.Server).GetAudioClient(Whisper);
        using var wav = new MemoryStream(WavEncoder.EncodeFloat32(WhisperModelWriter.HighTone(2), 16000));

        AudioTranslation result = await client.TranslateAudioAsync(wav, "speech.wav", cancellationToken: Ct);

        Assert.Equal(" hello world", result.Text);
    }

    [Fact]
    public async Task DotNetSdk_GenerateSpeech_WavOfTheBytezRoute()
    {
        var client = Client(audio.Server).GetAudioClient(Vits);

        BinaryData speech = await client.GenerateSpeechAsync("hi bob", GeneratedSpeechVoice.Alloy, new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Wav }, Ct);

        Assert.Equal(await audio.BytezWavAsync("hi bob"), speech.ToArray());
    }

    [Fact]
    public async Task JsClient_EmbeddingsCreate_DefaultAndFloat_EqualTheBytezRoute()
    {
        var expected = await BytezVectorsAsync();

        var byDefault = await OfficialJsClient.CallOpenAiMediaAsync(embedded.Server, "embeddings", new { model = MiniLm, input = Texts });
        var asFloat = await OfficialJsClient.CallOpenAiMediaAsync(embedded.Server, "embeddings", new { model = MiniLm, input = Texts, encoding_format = "float" });

        foreach (var result in new[] { byDefault, asFloat })
        {
            var data = result.GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(Texts.Length, data.Count);
            for (var i = 0; i < Texts.Length; i++)
            {
                Assert.Equal(expected[i], data[i].GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray());
            }

            Assert.True(result.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
        }
    }

    [Fact]
    public async Task JsClient_TranscriptionsCreate_WavFile()
    {
        var path = Path.Combine(audio.Root, "hello.wav");
        await File.WriteAllBytesAsync(path, WavEncoder.EncodeFloat32(WhisperModelWriter.LowTone(1), 16000), Ct);

        var json = await OfficialJsClient.CallOpenAiMediaAsync(audio.Server, "transcribe", new { model = Whisper, file = path });
        var verbose = await OfficialJsClient.CallOpenAiMediaAsync(audio.Server, "transcribe", new { model = Whisper, file = path, response_format = "verbose_json" });
        var srt = await OfficialJsClient.CallOpenAiMediaAsync(audio.Server, "transcribe", new { model = Whisper, file = path, response_format = "srt" });

        Assert.Equal(" hello world", json.GetProperty("text").GetString());
        Assert.Equal(0.4, Assert.Single(verbose.GetProperty("segments").EnumerateArray()).GetProperty("end").GetDouble());
        Assert.Equal("1\n00:00:00,000 --> 00:00:00,400\nhello world\n\n", srt.GetProperty("string").GetString());
    }

    [Fact]
    public async Task JsClient_SpeechCreate_WavBytes()
    {
        var result = await OfficialJsClient.CallOpenAiMediaAsync(audio.Server, "speech", new { model = Vits, input = "hi bob", voice = "alloy", response_format = "wav" });

        Assert.Equal("audio/wav", result.GetProperty("contentType").GetString());
        Assert.Equal(await audio.BytezWavAsync("hi bob"), Convert.FromBase64String(result.GetProperty("base64").GetString()!));
    }

    /// <summary>Writes the tiny CTC, Whisper and VITS models, adds them, and starts a server.</summary>
    public sealed class AudioFixture : IAsyncLifetime
    {
        /// <summary>"HI BOB" by the CTC model's design.</summary>
        public static readonly float[] HiBob = new[]
        {
            CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
            CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3),
        }.SelectMany(p => p).ToArray();

        /// <summary>The fixture's folder (models and files the tests write).</summary>
        public string Root { get; private set; } = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <summary>The Bytez route's WAV for a text on the tiny VITS.</summary>
        public async Task<byte[]> BytezWavAsync(string text)
        {
            using var client = Server.CreateHttpClient();
            using var response = await client.PostAsync(Vits, new StringContent(JsonSerializer.Serialize(new { text, json = false }), System.Text.Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsByteArrayAsync(Ct);
        }

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            Root = Directory.CreateTempSubdirectory("bytez-openai-media-").FullName;
            var models = Path.Combine(Root, "models");
            var speech = CtcSpeechModelWriter.Write(Path.Combine(Root, "files", "speech"));
            var whisper = WhisperModelWriter.Write(Path.Combine(Root, "files", "whisper"));
            var vits = VitsModelWriter.Write(Path.Combine(Root, "files", "vits"));
            foreach (var (folder, id, task) in new[]
            {
                (speech.Folder, Ctc, "automatic-speech-recognition"), (whisper.Folder, Whisper, "automatic-speech-recognition"), (vits.Folder, Vits, "text-to-speech"),
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
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    /// <summary>The <see cref="MatryoshkaServer"/> for the class.</summary>
    public sealed class MatryoshkaFixture : IAsyncLifetime
    {
        /// <summary>The server.</summary>
        public MatryoshkaServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => Server = await MatryoshkaServer.StartAsync();

        /// <inheritdoc />
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
