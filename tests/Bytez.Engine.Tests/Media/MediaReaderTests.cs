using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Media;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Media;

/// <summary>
/// Every media input form of a run request and every refusal, through <see cref="MediaReader"/>. The URL fetcher is
/// a collaborator fake (it records what it was asked and answers fixed bytes); base64 is encoded by the BCL, an
/// independent encoder.
/// </summary>
public sealed class MediaReaderTests
{
    private const string Task = "image-classification";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, 0xFB, 0xFF, 0x3E];

    private static RunRequest Request(string json) => JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.RunRequest)!;

    private static (MediaReader Reader, RecordingFetcher Fetcher) Create(long maxBytes = 1000, int maxItems = 256)
    {
        var fetcher = new RecordingFetcher();
        return (new MediaReader(new MediaLimits { MaxBytes = maxBytes }, fetcher, new RequestLimitsOptions { MaxItems = maxItems }), fetcher);
    }

    private static async Task<EngineException> RefusedAsync(MediaReader reader, string json, EngineErrorKind kind = EngineErrorKind.BadInput)
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await reader.ReadAllAsync(Request(json), Task, Ct));
        Assert.Equal(kind, e.Kind);
        return e;
    }

    // ---- url ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Url_IsFetchedWithTheByteLimit()
    {
        var (reader, fetcher) = Create(maxBytes: 1000);

        var media = await reader.ReadAsync(Request("""{"url": "https://example.org/cat.png"}"""), Task, Ct);

        Assert.Equal(Png, media.Data);
        Assert.Equal(new Uri("https://example.org/cat.png"), Assert.Single(fetcher.Calls).Url);
        Assert.Equal(1000, fetcher.Calls[0].MaxBytes);
        Assert.Contains("`url`", media.Source, StringComparison.Ordinal);
        Assert.Contains("https://example.org/cat.png", media.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.org/cat.png")]
    [InlineData("file:///etc/passwd")]
    [InlineData("cat.png")]
    [InlineData("//example.org/cat.png")]
    public async Task Url_NotHttp_IsRefusedNamingTheKey(string url)
    {
        var (reader, fetcher) = Create();

        var e = await RefusedAsync(reader, $$"""{"url": "{{url}}"}""");

        Assert.Contains("`url` must be an absolute http or https URL", e.Message, StringComparison.Ordinal);
        Assert.Empty(fetcher.Calls);
    }

    [Fact]
    public async Task Url_WithUserInfo_IsRefused()
    {
        var (reader, fetcher) = Create();

        var e = await RefusedAsync(reader, """{"url": "https://user:secret@example.org/cat.png"}""");

        Assert.Contains("user name or password", e.Message, StringComparison.Ordinal);
        Assert.Empty(fetcher.Calls);
    }

    [Fact]
    public async Task Url_WithTheEnginesDefaultFetcher_IsRefusedAskingForBase64()
    {
        var reader = new MediaReader(new MediaLimits());

        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await reader.ReadAsync(Request("""{"url": "https://example.org/cat.png"}"""), Task, Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("does not fetch media URLs", e.Message, StringComparison.Ordinal);
        Assert.Contains("`base64`", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_TheFetchersRefusal_ReachesTheCaller()
    {
        var fetcher = new RecordingFetcher { Failure = EngineException.TooLarge("too big upstream") };
        var reader = new MediaReader(new MediaLimits(), fetcher);

        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await reader.ReadAsync(Request("""{"url": "http://example.org/a.wav"}"""), Task, Ct));

        Assert.Same(fetcher.Failure, e);
    }

    // ---- base64 ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Base64_Bare_GivesTheBytes()
    {
        var (reader, _) = Create();

        var media = await reader.ReadAsync(Request($$"""{"base64": "{{Convert.ToBase64String(Png)}}"}"""), Task, Ct);

        Assert.Equal(Png, media.Data);
        Assert.Equal("`base64`", media.Source);
    }

    [Theory]
    [InlineData("image/jpeg")] // the mime is ignored: these bytes are a PNG
    [InlineData("application/octet-stream")]
    [InlineData("")]
    [InlineData("audio/wav;name=x.wav")]
    public async Task Base64_DataUriWithAnyMime_GivesTheBytes(string mime)
    {
        var (reader, _) = Create();

        var media = await reader.ReadAsync(Request($$"""{"base64": "data:{{mime}};base64,{{Convert.ToBase64String(Png)}}"}"""), Task, Ct);

        Assert.Equal(Png, media.Data);
    }

    [Fact]
    public async Task Base64_EveryLengthAndForm_GivesTheBytes_AndTheLimitHoldsToTheByte()
    {
        // Canonical base64 takes the vectorized path, the other forms the character loops: both must give the bytes.
        var random = new Random(7);
        for (var length = 1; length <= 70; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var (reader, _) = Create(maxBytes: length);
            var standard = Convert.ToBase64String(data);
            foreach (var form in new[] { standard, $"data:image/png;base64,{standard}", standard.TrimEnd('='), standard.Replace('+', '-').Replace('/', '_'), $" {standard}\\n" })
            {
                Assert.Equal(data, (await reader.ReadAsync(Request($$"""{"base64": "{{form}}"}"""), Task, Ct)).Data);
            }

            var (small, _) = Create(maxBytes: length - 1);
            var refusal = await RefusedAsync(small, $$"""{"base64": "{{standard}}"}""", EngineErrorKind.TooLarge);
            Assert.Contains($"has {length} bytes", refusal.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Base64_WithLineBreaksWithoutPaddingAndUrlSafe_GivesTheBytes()
    {
        var (reader, _) = Create();
        var standard = Convert.ToBase64String(Png); // 15 bytes: 20 characters, the last ones '+' / '/'-prone
        var mime = string.Join("\\r\\n", standard.Chunk(8).Select(c => new string(c)));
        var urlSafe = standard.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var unpadded = Convert.ToBase64String(Png[..14]).TrimEnd('=');

        Assert.Equal(Png, (await reader.ReadAsync(Request($$"""{"base64": "{{mime}}"}"""), Task, Ct)).Data);
        Assert.Equal(Png, (await reader.ReadAsync(Request($$"""{"base64": "{{urlSafe}}"}"""), Task, Ct)).Data);
        Assert.Equal(Png[..14], (await reader.ReadAsync(Request($$"""{"base64": "{{unpadded}}"}"""), Task, Ct)).Data);
    }

    [Theory]
    [InlineData("iVBO*w0K", "'*' at position 4")]
    [InlineData("iVBORw0K\\u00e9", "U+00E9 at position 8")]
    [InlineData("iVBORw0KG", "cut short")]
    [InlineData("", "is empty")]
    [InlineData("  ==", "is empty")]
    [InlineData("data:image/png,iVBORw0K", "not base64")]
    [InlineData("data:image/png;base64", "without a comma")]
    public async Task Base64_Malformed_IsRefusedNamingTheKey(string base64, string expected)
    {
        var (reader, _) = Create();

        var e = await RefusedAsync(reader, $$"""{"base64": "{{base64}}"}""");

        Assert.Contains("`base64`", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Base64_OfExactlyMaxBytes_IsRead_OneMore_Is413NamingTheOption()
    {
        var (reader, _) = Create(maxBytes: 300);
        var exact = new byte[300];
        new Random(7).NextBytes(exact);
        var over = new byte[301];

        var media = await reader.ReadAsync(Request($$"""{"base64": "{{Convert.ToBase64String(exact)}}"}"""), Task, Ct);
        var e = await RefusedAsync(reader, $$"""{"base64": "{{Convert.ToBase64String(over)}}"}""", EngineErrorKind.TooLarge);

        Assert.Equal(exact, media.Data);
        Assert.Contains("301 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("at most 300 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:MaxBytes", e.Message, StringComparison.Ordinal);
    }

    // ---- input ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("http://example.org/a.png")]
    [InlineData("HTTPS://example.org/a.png")]
    public async Task Input_StringUrl_IsFetched(string url)
    {
        var (reader, fetcher) = Create();

        var media = await reader.ReadAsync(Request($$"""{"input": "{{url}}"}"""), Task, Ct);

        Assert.Equal(Png, media.Data);
        Assert.Equal(new Uri(url), Assert.Single(fetcher.Calls).Url);
        Assert.Contains("`input`", media.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_StringDataUriOrBase64_IsDecoded()
    {
        var (reader, fetcher) = Create();
        var base64 = Convert.ToBase64String(Png);

        Assert.Equal(Png, (await reader.ReadAsync(Request($$"""{"input": "data:image/png;base64,{{base64}}"}"""), Task, Ct)).Data);
        Assert.Equal(Png, (await reader.ReadAsync(Request($$"""{"input": "{{base64}}"}"""), Task, Ct)).Data);
        Assert.Empty(fetcher.Calls);
    }

    [Fact]
    public async Task Input_EveryLengthAndForm_GivesTheBytes_AndTheLimitHoldsToTheByte()
    {
        // `input` strings are read from the JSON value's UTF-8 when canonical (escaped "\/" included), by the
        // general path otherwise: the same bytes and the same limit either way.
        var random = new Random(11);
        for (var length = 1; length <= 70; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var (reader, _) = Create(maxBytes: length);
            var standard = Convert.ToBase64String(data);
            var slashesEscaped = standard.Replace("/", "\\/", StringComparison.Ordinal);
            foreach (var form in new[]
            {
                standard, slashesEscaped, $"data:image/png;base64,{standard}", $"DATA:image\\/png;BASE64,{slashesEscaped}",
                standard.TrimEnd('='), standard.Replace('+', '-').Replace('/', '_'), $" {standard}\\n",
            })
            {
                Assert.Equal(data, (await reader.ReadAsync(Request($$"""{"input": "{{form}}"}"""), Task, Ct)).Data);
                Assert.Equal(data, (await reader.ReadAsync(Request($$$"""{"input": {"base64": "{{{form}}}"}}"""), Task, Ct)).Data);
            }

            var (small, _) = Create(maxBytes: length - 1);
            var refusal = await RefusedAsync(small, $$"""{"input": "{{slashesEscaped}}"}""", EngineErrorKind.TooLarge);
            Assert.Contains($"has {length} bytes", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("`input`", refusal.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Input_CanonicalLookingButNotStrict_ReadsAsBefore()
    {
        var (reader, _) = Create();

        // Bits past the last byte that are not zero: accepted, as Convert.FromBase64String accepts them.
        Assert.Equal("A"u8.ToArray(), (await reader.ReadAsync(Request("""{"input": "QR=="}"""), Task, Ct)).Data);
        Assert.Equal("AB"u8.ToArray(), (await reader.ReadAsync(Request("""{"input": "QUJ="}"""), Task, Ct)).Data);

        // A data URI whose header holds "://" is a URL with another scheme, as it always was.
        var e = await RefusedAsync(reader, """{"input": "data://x;base64,QUJD"}""");
        Assert.Contains("`input` must be an absolute http or https URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_StringWithAnotherScheme_IsRefusedAsAUrl_NotAsBase64()
    {
        var (reader, _) = Create();

        var e = await RefusedAsync(reader, """{"input": "file:///etc/passwd"}""");

        Assert.Contains("`input` must be an absolute http or https URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_Objects_UrlOrBase64_OtherKeysIgnored()
    {
        var (reader, fetcher) = Create();
        var base64 = Convert.ToBase64String(Png);

        var fromUrl = await reader.ReadAsync(Request("""{"input": {"url": "https://example.org/a.png", "candidate_labels": ["cat"]}}"""), Task, Ct);
        var fromBase64 = await reader.ReadAsync(Request($$$"""{"input": {"base64": "{{{base64}}}", "candidate_labels": ["cat"]}}"""), Task, Ct);

        Assert.Equal(Png, fromUrl.Data);
        Assert.Contains("`input.url`", fromUrl.Source, StringComparison.Ordinal);
        Assert.Equal(Png, fromBase64.Data);
        Assert.Equal("`input.base64`", fromBase64.Source);
        Assert.Single(fetcher.Calls);
    }

    [Theory]
    [InlineData("""{"input": {"base64": 5}}""", "`input.base64` must be a string")]
    [InlineData("""{"input": {"url": ["x"]}}""", "`input.url` must be a string")]
    [InlineData("""{"input": {"text": "x"}}""", "`input` as an object to hold `url` or `base64`")]
    [InlineData("""{"input": 42}""", "got a number (42)")]
    [InlineData("""{"input": true}""", "got a boolean (true)")]
    [InlineData("""{"input": {"base64": "#"}}""", "`input.base64` is not valid base64")]
    public async Task Input_WrongForms_AreRefusedNamingWhere(string json, string expected)
    {
        var (reader, _) = Create();

        var e = await RefusedAsync(reader, json);

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_ComesBeforeUrlAndBase64()
    {
        var (reader, fetcher) = Create();
        var base64 = Convert.ToBase64String([1, 2, 3]);

        var media = await reader.ReadAsync(Request($$"""{"input": "{{base64}}", "url": "https://example.org/a.png", "base64": "AAAA"}"""), Task, Ct);

        Assert.Equal(new byte[] { 1, 2, 3 }, media.Data);
        Assert.Empty(fetcher.Calls);
    }

    [Fact]
    public async Task Nothing_IsRefusedNamingTheKeysAccepted()
    {
        var (reader, _) = Create();

        var e = await RefusedAsync(reader, """{"text": "a cat"}""");

        Assert.StartsWith($"{Task} expects the media as `url`", e.Message, StringComparison.Ordinal);
        Assert.Contains("`base64`", e.Message, StringComparison.Ordinal);
        Assert.Contains("`input`", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("got nothing.", e.Message, StringComparison.Ordinal);
    }

    // ---- lists ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task List_GivesEveryItemInOrder_NotSingle()
    {
        var (reader, fetcher) = Create();
        var base64 = Convert.ToBase64String([9, 8, 7]);

        var all = await reader.ReadAllAsync(Request($$"""{"input": ["{{base64}}", {"url": "https://example.org/b.png"}, "data:x/y;base64,{{base64}}"]}"""), Task, Ct);

        Assert.False(all.Single);
        Assert.Equal(3, all.Items.Count);
        Assert.Equal(new byte[] { 9, 8, 7 }, all.Items[0].Data);
        Assert.Equal("`input[0]`", all.Items[0].Source);
        Assert.Equal(Png, all.Items[1].Data);
        Assert.Contains("`input[1].url`", all.Items[1].Source, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 9, 8, 7 }, all.Items[2].Data);
        Assert.Single(fetcher.Calls);
    }

    [Fact]
    public async Task ReadAll_OfOneInput_IsSingle()
    {
        var (reader, _) = Create();

        var all = await reader.ReadAllAsync(Request($$"""{"base64": "{{Convert.ToBase64String(Png)}}"}"""), Task, Ct);

        Assert.True(all.Single);
        Assert.Equal(Png, Assert.Single(all.Items).Data);
    }

    [Fact]
    public async Task List_ToAOneInputReader_IsRefused()
    {
        var (reader, _) = Create();

        var e = await Assert.ThrowsAsync<EngineException>(async () =>
            await reader.ReadAsync(Request("""{"input": ["AAAA"]}"""), Task, Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("takes one media input", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Empty_IsRefused_TooLong_Is413()
    {
        var (reader, _) = Create(maxItems: 2);

        var empty = await RefusedAsync(reader, """{"input": []}""");
        var tooMany = await RefusedAsync(reader, """{"input": ["AAAA", "AAAA", "AAAA"]}""", EngineErrorKind.TooLarge);

        Assert.Contains("non-empty list", empty.Message, StringComparison.Ordinal);
        Assert.Contains("3 media inputs", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Requests:MaxItems", tooMany.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_TogetherOverMaxBytes_Is413NamingTheItem_AndTheFetcherGetsWhatRemains()
    {
        var (reader, fetcher) = Create(maxBytes: 100);
        var sixty = Convert.ToBase64String(new byte[60]);

        var e = await RefusedAsync(reader, $$"""{"input": ["{{sixty}}", "{{sixty}}"]}""", EngineErrorKind.TooLarge);
        await reader.ReadAllAsync(Request($$"""{"input": ["{{sixty}}", "https://example.org/a.png"]}"""), Task, Ct);

        Assert.Contains("`input[1]`", e.Message, StringComparison.Ordinal);
        Assert.Contains("after 60 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(40, Assert.Single(fetcher.Calls).MaxBytes);
    }

    [Fact]
    public async Task ReadValue_ReadsAMessageBlock()
    {
        var (reader, _) = Create();
        using var block = JsonDocument.Parse($$"""{"type": "image", "base64": "{{Convert.ToBase64String(Png)}}"}""");

        var media = await reader.ReadValueAsync(block.RootElement, "messages[0].content[1]", "image-text-to-text", Ct);

        Assert.Equal(Png, media.Data);
        Assert.Equal("`messages[0].content[1].base64`", media.Source);
    }

    // ---- decoders' errors and media outputs -----------------------------------------------------------------------

    [Theory]
    [InlineData(MediaErrorKind.Malformed, EngineErrorKind.BadInput)]
    [InlineData(MediaErrorKind.TooLarge, EngineErrorKind.TooLarge)]
    [InlineData(MediaErrorKind.Unsupported, EngineErrorKind.UnsupportedMediaType)]
    public void MediaErrors_TranslateEachKind_NamingTheInput(MediaErrorKind media, EngineErrorKind engine)
    {
        var input = new MediaInput([1, 2], "`input[3]`");

        var e = Assert.Throws<EngineException>(() =>
            MediaErrors.Decode<int>(input, _ => throw new MediaException(media, "the PNG is cut short")));

        Assert.Equal(engine, e.Kind);
        Assert.Equal("The media in `input[3]`: the PNG is cut short", e.Message);
        Assert.IsType<MediaException>(e.InnerException);
    }

    [Fact]
    public void MediaOutput_WrittenAlone_IsADataUri()
    {
        var output = new MediaOutput([1, 2, 3], "audio/wav", "WAV");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            output.WriteTo(writer);
        }

        Assert.Equal("wav", output.Extension);
        Assert.Equal("\"data:audio/wav;base64,AQID\"", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Throws<ArgumentException>(() => new MediaOutput([], "image/png", ".png"));
        Assert.Throws<ArgumentException>(() => new MediaOutput([], "image/png", "../x"));
    }

    /// <summary>A collaborator fake of the URL fetcher: records each call and answers <see cref="Png"/> (or fails).</summary>
    private sealed class RecordingFetcher : IMediaFetcher
    {
        public List<(Uri Url, long MaxBytes)> Calls { get; } = [];

        public EngineException? Failure { get; init; }

        public ValueTask<byte[]> FetchAsync(Uri url, long maxBytes, CancellationToken cancellationToken)
        {
            Calls.Add((url, maxBytes));
            return Failure is { } failure ? throw failure : ValueTask.FromResult(Png.ToArray());
        }
    }
}
