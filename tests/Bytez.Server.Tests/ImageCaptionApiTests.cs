using System.Net;
using System.Text;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// image-to-text captioning through the real server on the tiny VisionEncoderDecoders of <see cref="CaptionServer"/>,
/// whose design captions an image " a &lt;dominant colour&gt; square": base64 and URL inputs, beams, streaming, the
/// parameters' and the media's refusals, and the task a folder added without one is listed under.
/// </summary>
public sealed class ImageCaptionApiTests(ImageCaptionApiTests.Fixture fixture) : IClassFixture<ImageCaptionApiTests.Fixture>
{
    private const string VitGpt2 = CaptionServer.VitGpt2;
    private const string TrOcr = CaptionServer.TrOcr;

    private TestServer Server => fixture.Captions.Server;

    private static string Base64(byte r, byte g, byte b) => Convert.ToBase64String(VisionTaskServer.Png(40, 30, r, g, b));

    [Theory]
    [InlineData(VitGpt2, 255, 0, 0, " a red square")]
    [InlineData(VitGpt2, 0, 0, 180, " a blue square")]
    [InlineData(TrOcr, 0, 220, 30, " a green square")]
    public async Task Run_Base64Image_AnswersTheCaptionAsAString(string model, byte r, byte g, byte b, string expected)
    {
        using var client = Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, model, $$"""{"base64": "{{Base64(r, g, b)}}"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, AssertOutput(body).GetString());
    }

    [Fact]
    public async Task Run_UrlAndInputForms_TheSameCaption()
    {
        using var client = Server.CreateHttpClient();
        var url = fixture.Captions.RedPngUrl;

        var fromUrl = await PostAsync(client, VitGpt2, $$"""{"url": "{{url}}"}""");
        var fromInput = await PostAsync(client, VitGpt2, $$$"""{"input": {"url": "{{{url}}}"}}""");
        var fromDataUri = await PostAsync(client, VitGpt2, $$"""{"input": "data:image/png;base64,{{Convert.ToBase64String(CaptionServer.RedPng)}}"}""");

        foreach (var (status, body, _) in new[] { fromUrl, fromInput, fromDataUri })
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(" a red square", AssertOutput(body).GetString());
        }
    }

    [Fact]
    public async Task Run_BeamsAndSequences_AListBestFirst()
    {
        using var client = Server.CreateHttpClient();

        // Red 255, blue 242: after " a" the logits are red 10 and blue 8.98 (the design's 10 × channel mean).
        var (status, body, _) = await PostAsync(client, VitGpt2,
            $$$$"""{"base64": "{{{{Base64(255, 0, 242)}}}}", "params": {"generate_kwargs": {"num_beams": 2, "num_return_sequences": 2}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([" a red square", " a blue square"], AssertOutput(body).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Stream_ThePiecesConcatenateToTheCaption()
    {
        using var client = Server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, VitGpt2)
        {
            Content = new StringContent($$"""{"base64": "{{Base64(255, 0, 0)}}", "stream": true}""", Encoding.UTF8, "application/json"),
        };

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(" a red square", text);
    }

    [Theory]
    [InlineData("""{"num_beams": 2}""", "inside `generate_kwargs`")]
    [InlineData("""{"bogus": 1}""", "max_new_tokens, generate_kwargs, timeout, prompt")]
    [InlineData("""{"generate_kwargs": {"bogus": 1}}""", "Unknown key `bogus` in `generate_kwargs`")]
    [InlineData("""{"max_new_tokens": 2, "generate_kwargs": {"max_new_tokens": 2}}""", "only once")]
    [InlineData("""{"prompt": "a picture of"}""", "conditional")]
    [InlineData("""{"generate_kwargs": "beams"}""", "generate_kwargs")]
    public async Task Run_BadParameters_400NamingWhatIsExpected(string parameters, string expected)
    {
        using var client = Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, VitGpt2, $$"""{"base64": "{{Base64(255, 0, 0)}}", "params": {{parameters}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadMedia_ClientErrorsInTheEnvelope_AndTheServerGoesOn()
    {
        using var client = Server.CreateHttpClient();
        var png = CaptionServer.RedPng;

        var text = await PostAsync(client, VitGpt2, """{"base64": "bm90IGFuIGltYWdl"}""");
        var truncated = await PostAsync(client, VitGpt2, $$"""{"base64": "{{Convert.ToBase64String(png[..(png.Length / 2)])}}"}""");
        var huge = await PostAsync(client, VitGpt2, $$"""{"base64": "{{Convert.ToBase64String(VisionTaskServer.Png(400, 400, 255, 0, 0))}}"}""");
        var after = await PostAsync(client, VitGpt2, $$"""{"base64": "{{Base64(255, 0, 0)}}"}""");

        Assert.True(text.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"status {text.Status}");
        AssertErrorEnvelope(text.Body);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.Status);
        AssertErrorEnvelope(truncated.Body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);
        Assert.Contains("100000", AssertErrorEnvelope(huge.Body), StringComparison.Ordinal);
        Assert.Equal(" a red square", AssertOutput(after.Body).GetString());
    }

    [Theory]
    [InlineData(VitGpt2)] // added without --task: its vision-encoder-decoder model_type names the task
    [InlineData(TrOcr)]
    public async Task ListModels_Captioners_AreImageToText(string model)
    {
        using var client = Server.CreateHttpClient();

        var (status, body, _) = await GetAsync(client, $"list/models?modelId={model}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("image-to-text", Assert.Single(AssertOutput(body).EnumerateArray()).GetProperty("task").GetString());
    }

    /// <summary>One captioning server for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        /// <summary>The server, its models and its origin.</summary>
        public CaptionServer Captions { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => Captions = await CaptionServer.StartAsync();

        /// <inheritdoc />
        public async ValueTask DisposeAsync() => await Captions.DisposeAsync();
    }
}
