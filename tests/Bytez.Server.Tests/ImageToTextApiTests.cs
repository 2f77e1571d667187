using System.Net;
using System.Text.Json;
using SkiaSharp;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// image-to-text through the real server on the embedded PP-OCRv4 model (installed at first start): text rendered
/// with SkiaSharp in DejaVu Sans, sent as a base64 PNG, read back as the answer string.
/// </summary>
public sealed class ImageToTextApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Ocr = "PaddlePaddle/PP-OCRv4_mobile";

    [Fact]
    public async Task Run_RenderedLine_AnswersTheTextAsAString()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, Ocr, Request(Render(["HelloWorld2024"])));

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(JsonValueKind.String, output.ValueKind);
        Assert.Equal("HelloWorld2024", output.GetString());
    }

    [Fact]
    public async Task Run_TwoLines_JoinsThemTopToBottomWithANewline()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, Ocr, Request(Render(["Invoice2024", "Total:42.00"]), """, "params": {"max_new_tokens": 5}"""));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Invoice2024\nTotal:42.00", AssertOutput(body).GetString());
    }

    [Fact]
    public async Task Run_Prompt_IsRefusedAsOcrTakesNone()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, Ocr, Request(Render(["abc"]), """, "params": {"prompt": "a photo of"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("prompt", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BytesThatAreNoImage_AreRefusedAsAClientError()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, Ocr, Request("bm90IGFuIGltYWdl"));

        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"status {status}");
        AssertErrorEnvelope(body);
    }

    private static string Request(string base64, string extra = "") => $$"""{"base64": "{{base64}}"{{extra}}}""";

    /// <summary>Black lines of DejaVu Sans 32 px on white, one under the other, as a base64 PNG (SkiaSharp's encoder).</summary>
    private static string Render(IReadOnlyList<string> lines)
    {
        const float Size = 32f;
        const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        Assert.True(File.Exists(FontFile), $"{FontFile} is missing: install Debian's fonts-dejavu-core (.ci/run does).");
        using var typeface = SKTypeface.FromFile(FontFile);
        using var font = new SKFont(typeface, Size);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var lineHeight = (int)(Size * 2.5);
        var width = (int)Math.Ceiling(lines.Max(l => font.MeasureText(l))) + (int)(2 * Size);
        using var bitmap = new SKBitmap(width, lineHeight * lines.Count, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            for (var i = 0; i < lines.Count; i++)
            {
                canvas.DrawText(lines[i], Size, (i * lineHeight) + (lineHeight / 2f) + (Size * 0.35f), SKTextAlign.Left, font, paint);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return Convert.ToBase64String(png.ToArray());
    }
}
