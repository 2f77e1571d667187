using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// image-to-text captioning through the official bytez.js 3.0.0 client and our SDK against a real server with the
/// tiny VisionEncoderDecoders of <see cref="CaptionServer"/>: the captions the design gives (" a red square" for a red
/// image; with two beams and two sequences the runner-up colour second), streamed and not.
/// </summary>
public sealed class CaptionConformanceTests(CaptionConformanceTests.Fixture fixture) : IClassFixture<CaptionConformanceTests.Fixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => fixture.Captions.Server;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    [Fact]
    public async Task JsClient_Caption_Base64AndUrl()
    {
        var fromBase64 = await OfficialJsClient.CallAsync(Server, "run", new { modelId = CaptionServer.VitGpt2, input = Convert.ToBase64String(CaptionServer.RedPng) });
        var fromUrl = await OfficialJsClient.CallAsync(Server, "run", new { modelId = CaptionServer.TrOcr, input = fixture.Captions.RedPngUrl.ToString() });

        foreach (var result in new[] { fromBase64, fromUrl })
        {
            Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
            Assert.Equal(" a red square", result.GetProperty("output").GetString());
        }
    }

    [Fact]
    public async Task JsClient_Caption_BeamsAndStream()
    {
        var image = Convert.ToBase64String(VisionTaskServer.Png(40, 30, 255, 0, 242));
        var beams = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = CaptionServer.VitGpt2,
            input = image,
            @params = new { generate_kwargs = new { num_beams = 2, num_return_sequences = 2 } },
        });
        var streamed = await OfficialJsClient.CallAsync(Server, "run", new { modelId = CaptionServer.VitGpt2, input = image, stream = true });

        Assert.Equal(JsonValueKind.Null, beams.GetProperty("error").ValueKind);
        Assert.Equal([" a red square", " a blue square"], beams.GetProperty("output").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(" a red square", string.Concat(streamed.GetProperty("chunks").EnumerateArray().Select(c => c.GetString())));
    }

    [Fact]
    public async Task JsClient_UnknownParameter_IsAnErrorNamingTheSupportedOnes()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = CaptionServer.VitGpt2,
            input = Convert.ToBase64String(CaptionServer.RedPng),
            @params = new { num_beams = 2 },
        });

        Assert.Contains("generate_kwargs", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_BytezMedia_CaptionsAndBeams()
    {
        using var client = CreateClient();
        var model = client.Model(CaptionServer.VitGpt2);

        var caption = (await model.RunAsync(BytezMedia.FromBytes(CaptionServer.RedPng, "image/png"), cancellationToken: Ct)).GetText();
        var fromUrl = (await client.Model(CaptionServer.TrOcr).RunAsync(BytezMedia.FromUrl(fixture.Captions.RedPngUrl), cancellationToken: Ct)).GetText();
        var parameters = new ModelParameters();
        parameters.AdditionalProperties["generate_kwargs"] = JsonSerializer.SerializeToElement(new { num_beams = 2, num_return_sequences = 2 });
        var beams = (await model.RunAsync(BytezMedia.FromBytes(VisionTaskServer.Png(40, 30, 255, 0, 242), "image/png"), parameters, Ct)).GetTexts();

        Assert.Equal(" a red square", caption);
        Assert.Equal(" a red square", fromUrl);
        Assert.Equal([" a red square", " a blue square"], beams);
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
