using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bytez.Media.Audio;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>
/// <c>audio/transcriptions</c>, <c>audio/translations</c> and <c>audio/speech</c> on the real server with the tiny
/// CTC model ("HI BOB" by design), the tiny multilingual Whisper (" hello world" for a low tone, " bonjour monde" for a
/// high one, <c>&lt;|0.00|&gt; hello world &lt;|0.40|&gt;</c> with timestamps) and the tiny VITS; uploads as
/// multipart/form-data; errors in OpenAI's error object (missing file, not multipart, too large, wrong task).
/// </summary>
public sealed class OpenAiAudioApiTests(OpenAiAudioApiTests.Fixture fixture) : IClassFixture<OpenAiAudioApiTests.Fixture>
{
    private const string Ctc = "tiny/ctc-speech";
    private const string Whisper = "tiny/whisper";
    private const string Vits = "tiny/vits";

    private static readonly float[] HiBob = new[]
    {
        CtcSpeechModel.Tone('H', 3), CtcSpeechModel.Tone('I', 3), CtcSpeechModel.Silence(2), CtcSpeechModel.Tone('|', 2),
        CtcSpeechModel.Tone('B', 3), CtcSpeechModel.Tone('O', 3), CtcSpeechModel.Tone('B', 3),
    }.SelectMany(p => p).ToArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + TestServer.Key);
        return client;
    }

    private static MultipartFormDataContent Form(byte[]? wav, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        if (wav is not null)
        {
            var file = new ByteArrayContent(wav);
            file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(file, "file", "speech.wav");
        }

        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    private async Task<(HttpStatusCode Status, string Body, string? ContentType)> PostFormAsync(string path, HttpContent content)
    {
        using var client = Client();
        using var response = await client.PostAsync(path, content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Content.Headers.ContentType?.MediaType);
    }

    private static byte[] Wav(float[] samples) => WavEncoder.EncodeFloat32(samples, 16000);

    [Theory]
    [InlineData("v1/")]
    [InlineData("models/v2/openai/v1/")]
    public async Task Transcription_Ctc_JsonText(string root)
    {
        var (status, body, type) = await PostFormAsync(root + "audio/transcriptions", Form(Wav(HiBob), ("model", Ctc)));

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("application/json", type);
        Assert.Equal("HI BOB", JsonDocument.Parse(body).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Transcription_Whisper_TextFormat_PlainTextLine()
    {
        var (status, body, type) = await PostFormAsync("v1/audio/transcriptions", Form(Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "text")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/plain", type);
        Assert.Equal(" hello world\n", body);
    }

    [Fact]
    public async Task Transcription_Whisper_Srt_ExactCue()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "srt")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("1\n00:00:00,000 --> 00:00:00,400\nhello world\n\n", body);
    }

    [Fact]
    public async Task Transcription_Whisper_Vtt_ExactCue()
    {
        var (status, body, type) = await PostFormAsync("v1/audio/transcriptions", Form(Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "vtt")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/vtt", type);
        Assert.Equal("WEBVTT\n\n00:00:00.000 --> 00:00:00.400\nhello world\n\n", body);
    }

    [Fact]
    public async Task Transcription_Whisper_VerboseJson_SegmentsAndDetectedLanguage()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(
            Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "verbose_json"), ("timestamp_granularities[]", "segment")));

        Assert.True(status == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("transcribe", root.GetProperty("task").GetString());
        Assert.Equal("english", root.GetProperty("language").GetString());
        Assert.Equal(" hello world", root.GetProperty("text").GetString());
        var segment = Assert.Single(root.GetProperty("segments").EnumerateArray());
        Assert.Equal(0, segment.GetProperty("id").GetInt32());
        Assert.Equal(0.0, segment.GetProperty("start").GetDouble());
        Assert.Equal(0.4, segment.GetProperty("end").GetDouble());
        Assert.Equal(" hello world", segment.GetProperty("text").GetString());
        Assert.Equal(0.0, segment.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task Transcription_Ctc_Srt_OneCuePerWord()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(Wav(HiBob), ("model", Ctc), ("response_format", "srt")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("1\n00:00:00,000 --> 00:00:00,120\nHI\n\n2\n00:00:00,200 --> 00:00:00,380\nBOB\n\n", body);
    }

    [Fact]
    public async Task Translation_WhisperFrench_English()
    {
        var (transcribed, french, _) = await PostFormAsync("v1/audio/transcriptions", Form(Wav(WhisperModelWriter.HighTone(2)), ("model", Whisper)));
        var (status, english, _) = await PostFormAsync("v1/audio/translations", Form(Wav(WhisperModelWriter.HighTone(2)), ("model", Whisper)));

        Assert.Equal(HttpStatusCode.OK, transcribed);
        Assert.Equal(" bonjour monde", JsonDocument.Parse(french).RootElement.GetProperty("text").GetString());
        Assert.True(status == HttpStatusCode.OK, english);
        Assert.Equal(" hello world", JsonDocument.Parse(english).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Transcription_WhisperLanguageGiven_Used()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(
            Wav(WhisperModelWriter.HighTone(2)), ("model", Whisper), ("language", "fr"), ("response_format", "verbose_json")));

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(" bonjour monde", JsonDocument.Parse(body).RootElement.GetProperty("text").GetString());
        Assert.Equal("french", JsonDocument.Parse(body).RootElement.GetProperty("language").GetString());
    }

    /// <summary>16-bit PCM WAV at 16 kHz: half the bytes of float32, so 31 s fit the fixture's 1 MiB body limit.</summary>
    private static byte[] Pcm16Wav(float[] samples)
    {
        var data = new byte[44 + (samples.Length * 2)];
        void Text(int at, string text) => Encoding.ASCII.GetBytes(text).CopyTo(data, at);
        Text(0, "RIFF");
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), data.Length - 8);
        Text(8, "WAVEfmt ");
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(24), 16000);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(28), 32000);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(34), 16);
        Text(36, "data");
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(40), samples.Length * 2);
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(44 + (i * 2)), (short)Math.Clamp(Math.Round(samples[i] * 32767), -32768, 32767));
        }

        return data;
    }

    /// <summary>
    /// 31 s: a low tone at 10 s (only in the first 30-second window, 0–30 s) and a high tone at 30 s (only in the second,
    /// 20–31 s): the first window is "English", the second "French".
    /// </summary>
    internal static float[] LongSound() =>
    [
        .. WhisperModelWriter.Silence(10), .. WhisperModelWriter.LowTone(1), .. WhisperModelWriter.Silence(19), .. WhisperModelWriter.HighTone(1),
    ];

    private async Task<JsonElement> BytezLongOutputAsync(byte[] wav, bool timestamps)
    {
        await using var origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["long.wav"] = wav });
        using var client = Client();
        using var response = await client.PostAsync($"models/v2/{Whisper}", new StringContent(
            JsonSerializer.Serialize(new { url = origin.Url("file/long.wav"), @params = new { chunk_length_s = 30, return_timestamps = timestamps } }),
            Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("output").Clone();
    }

    [Fact]
    public async Task Transcription_WhisperLongerThan30s_BothWindowsHeard_AsTheBytezRoutesChunkLength30()
    {
        var wav = Pcm16Wav(LongSound());
        var expected = await BytezLongOutputAsync(wav, timestamps: false);

        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(wav, ("model", Whisper)));

        Assert.True(status == HttpStatusCode.OK, body);
        var text = JsonDocument.Parse(body).RootElement.GetProperty("text").GetString();
        Assert.Equal(" hello world bonjour monde", text); // the French tone comes after 30 s, in the second window
        Assert.Equal(expected.GetString(), text);
    }

    [Fact]
    public async Task Transcription_WhisperLongerThan30s_VerboseJsonSegmentsOfTheBytezRoutesChunks()
    {
        var wav = Pcm16Wav(LongSound());
        var expected = await BytezLongOutputAsync(wav, timestamps: true);

        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(wav, ("model", Whisper), ("response_format", "verbose_json")));

        Assert.True(status == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(expected.GetProperty("text").GetString(), root.GetProperty("text").GetString());
        Assert.Equal(31.0, root.GetProperty("duration").GetDouble());
        var segments = root.GetProperty("segments").EnumerateArray().ToList();
        var chunks = expected.GetProperty("chunks").EnumerateArray().ToList();
        Assert.NotEmpty(segments);
        Assert.Equal(chunks.Count, segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            Assert.Equal(i, segments[i].GetProperty("id").GetInt32());
            Assert.Equal(chunks[i].GetProperty("text").GetString(), segments[i].GetProperty("text").GetString());
            Assert.Equal(chunks[i].GetProperty("timestamp")[0].GetDouble(), segments[i].GetProperty("start").GetDouble());
            Assert.NotEmpty(segments[i].GetProperty("tokens").EnumerateArray());
        }
    }

    [Fact]
    public async Task Translation_WhisperLongerThan30s_TheSecondWindowTranslatedToo()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/translations", Form(Pcm16Wav(LongSound()), ("model", Whisper), ("response_format", "text")));

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.DoesNotContain("bonjour", body, StringComparison.Ordinal);
        Assert.Contains("hello world", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_WhisperVerboseJson_OpenAisSegmentFields()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(
            Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "verbose_json"), ("temperature", "0")));

        Assert.True(status == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1.0, root.GetProperty("duration").GetDouble());
        var segment = Assert.Single(root.GetProperty("segments").EnumerateArray());
        Assert.Equal(0, segment.GetProperty("seek").GetInt32());
        Assert.Equal([WhisperModelWriter.Id("hello"), WhisperModelWriter.Id("world")], segment.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        // " hello world" is 12 bytes; zlib makes it longer (header and checksum), as OpenAI's Whisper computes it.
        Assert.InRange(segment.GetProperty("compression_ratio").GetDouble(), 0.3, 1.0);
        Assert.InRange(segment.GetProperty("no_speech_prob").GetDouble(), 0, 0.5);
        Assert.False(segment.TryGetProperty("avg_logprob", out _)); // not computed: documented
    }

    [Fact]
    public async Task Transcription_WhisperPrompt_ConditionsButIsNotInTheTranscript()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(
            Wav(WhisperModelWriter.HighTone(2)), ("model", Whisper), ("prompt", "  hello world the end. "), ("response_format", "verbose_json")));

        Assert.True(status == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(" bonjour monde", root.GetProperty("text").GetString()); // the prompt's words are not echoed
        Assert.Equal("french", root.GetProperty("language").GetString()); // detected with the start token alone
        Assert.Equal(" bonjour monde", Assert.Single(root.GetProperty("segments").EnumerateArray()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Transcription_WhisperTemperature_SamplesAndIsReported()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(
            Wav(WhisperModelWriter.LowTone(1)), ("model", Whisper), ("response_format", "verbose_json"), ("temperature", "0.2")));

        Assert.True(status == HttpStatusCode.OK, body);
        var segment = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("segments").EnumerateArray());
        Assert.Equal(0.2, segment.GetProperty("temperature").GetDouble());
        Assert.Equal(" hello world", segment.GetProperty("text").GetString()); // the design's margins hold at 0.2
    }

    public static TheoryData<string, string[], HttpStatusCode, string> BadForms => new()
    {
        { "audio/translations", ["model", Ctc], HttpStatusCode.BadRequest, "multilingual Whisper" },
        { "audio/transcriptions", ["model", Vits], HttpStatusCode.BadRequest, "text-to-speech" },
        { "audio/transcriptions", ["model", "nobody/nothing"], HttpStatusCode.NotFound, "nobody/nothing" },
        { "audio/transcriptions", ["model", Whisper, "response_format", "xml"], HttpStatusCode.BadRequest, "response_format" },
        { "audio/transcriptions", ["model", Whisper, "timestamp_granularities[]", "word"], HttpStatusCode.BadRequest, "word" },
        { "audio/transcriptions", ["model", Ctc, "prompt", "Hello"], HttpStatusCode.BadRequest, "'prompt'" },
        { "audio/transcriptions", ["model", Whisper, "prompt", "hello <|fr|> world"], HttpStatusCode.BadRequest, "special token <|fr|>" },
        { "audio/transcriptions", ["model", Whisper, "temperature", "hot"], HttpStatusCode.BadRequest, "'temperature'" },
        { "audio/transcriptions", ["model", Ctc, "language", "en"], HttpStatusCode.BadRequest, "'language'" },
        { "audio/transcriptions", [], HttpStatusCode.BadRequest, "'model'" },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task Transcription_BadForm_OpenAisErrorObject(string route, string[] fields, HttpStatusCode expected, string mentions)
    {
        var pairs = fields.Chunk(2).Select(p => (p[0], p[1])).ToArray();

        var (status, body, _) = await PostFormAsync("v1/" + route, Form(Wav(HiBob), pairs));

        Assert.Equal(expected, status);
        Assert.Contains(mentions, OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_MissingFile_400()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(null, ("model", Ctc)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'file' is required", OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_JsonBody_415SaysMultipart()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", new StringContent($$"""{"model": "{{Ctc}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("multipart/form-data", OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_MalformedMultipart_400()
    {
        var content = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ntiny"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");

        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", content);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("multipart", OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_UploadOverTheBodyLimit_413()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form(new byte[Fixture.MaxBodyBytes + 1000], ("model", Ctc)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("error", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transcription_NotAudio_415()
    {
        var (status, body, _) = await PostFormAsync("v1/audio/transcriptions", Form("not a sound at all"u8.ToArray(), ("model", Ctc)));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement);
    }

    private async Task<(HttpStatusCode Status, byte[] Body, string? ContentType, HttpResponseMessage Response)> SpeakAsync(string json)
    {
        using var client = Client();
        var response = await client.PostAsync("v1/audio/speech", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(Ct), response.Content.Headers.ContentType?.MediaType, response);
    }

    private async Task<byte[]> BytezWavAsync(string text)
    {
        using var client = fixture.Server.CreateHttpClient();
        using var response = await client.PostAsync(Vits, new StringContent(JsonSerializer.Serialize(new { text, json = false }), Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    [Fact]
    public async Task Speech_DefaultWav_TheBytezRoutesWav()
    {
        var expected = await BytezWavAsync("hi bob");

        var (status, body, type, response) = await SpeakAsync($$"""{"model": "{{Vits}}", "input": "hi bob", "voice": "alloy"}""");
        using var _ = response;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("audio/wav", type);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task Speech_Pcm_Raw16BitSamplesOfTheWav()
    {
        var wav = await BytezWavAsync("hi bob");

        var (status, body, type, response) = await SpeakAsync($$"""{"model": "{{Vits}}", "input": "hi bob", "voice": "alloy", "response_format": "pcm"}""");
        using var _ = response;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("audio/pcm", type);
        Assert.Equal("16000", response.Headers.GetValues("X-Sample-Rate").Single());
        var floats = Enumerable.Range(0, (wav.Length - WavEncoder.HeaderLength) / 4)
            .Select(i => BinaryPrimitives.ReadSingleLittleEndian(wav.AsSpan(WavEncoder.HeaderLength + (i * 4)))).ToArray();
        var shorts = Enumerable.Range(0, body.Length / 2).Select(i => BinaryPrimitives.ReadInt16LittleEndian(body.AsSpan(i * 2))).ToArray();
        Assert.Equal(floats.Length, shorts.Length);
        Assert.Contains(shorts, s => s != 0);
        for (var i = 0; i < floats.Length; i++)
        {
            Assert.Equal(Math.Clamp(floats[i], -1f, 1f) * 32767, shorts[i], 0.5000001);
        }
    }

    [Fact]
    public async Task Speech_Flac_EncodedByFfmpegWhenPresent()
    {
        var (status, body, type, response) = await SpeakAsync($$"""{"model": "{{Vits}}", "input": "hi bob", "voice": "alloy", "response_format": "flac"}""");
        using var _ = response;

        if (new AudioDecoder(new Bytez.Media.MediaLimits()).FfmpegPath is null)
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("ffmpeg", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
            return;
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("audio/flac", type);
        Assert.Equal("fLaC"u8.ToArray(), body[..4]);
    }

    [Theory]
    [InlineData("""{"model": "tiny/vits", "input": "hi", "speed": 1.5}""", "'speed'")]
    [InlineData("""{"model": "tiny/vits", "input": "hi", "response_format": "ogg"}""", "response_format")]
    [InlineData("""{"model": "tiny/vits"}""", "'input'")]
    [InlineData("""{"model": "tiny/whisper", "input": "hi"}""", "automatic-speech-recognition")]
    public async Task Speech_BadRequest_400InOpenAisErrorObject(string json, string mentions)
    {
        var (status, body, _, response) = await SpeakAsync(json);
        using var _ = response;

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(mentions, OpenAiEmbeddingsApiTests.Error(JsonDocument.Parse(body).RootElement), StringComparison.Ordinal);
    }

    /// <summary>Writes the tiny CTC, Whisper and VITS models, adds them, and starts the server with a small body limit.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        /// <summary>The server's body limit here: room for the test sounds, small enough to pass in a test.</summary>
        public const int MaxBodyBytes = 1 << 20;

        private string _root = null!;

        /// <summary>The running server.</summary>
        public TestServer Server { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync()
        {
            _root = Directory.CreateTempSubdirectory("bytez-openai-audio-").FullName;
            var models = Path.Combine(_root, "models");
            var speech = CtcSpeechModelWriter.Write(Path.Combine(_root, "files", "speech"));
            var whisper = WhisperModelWriter.Write(Path.Combine(_root, "files", "whisper"));
            var vits = VitsModelWriter.Write(Path.Combine(_root, "files", "vits"));
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
                ["Bytez:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Bytez:Media:UrlAllowList"] = "127.0.0.1", // the Bytez route fetches sounds over the body limit from a MediaOrigin
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
