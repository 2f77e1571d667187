using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Server.Apis;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Apis;

public sealed class JsonBodyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>Where a malformed string goes (X), the route, and the field the 400 must name.</summary>
    public static TheoryData<string, string, string, bool> MalformedText()
    {
        var data = new TheoryData<string, string, string, bool>();
        (string Path, string Body, string Field)[] cases =
        [
            (MiniLm, """{"input": "X"}""", "'input'"),
            (MiniLm, """{"input": ["ok", "X"]}""", "'input[1]'"),
            (MiniLm, """{"text": "X"}""", "'text'"),
            (MiniLm, """{"url": "X"}""", "'url'"),
            (MiniLm, """{"input": "a", "params": {"prompt": "X"}}""", "'params.prompt'"),
            (MiniLm, """{"input": "a", "params": {"X": 1}}""", "property name in 'params'"),
            (MiniLm, """{"input": {"source_sentence": "X", "sentences": ["a"]}}""", "'input.source_sentence'"),
            (MiniLm, """{"messages": [{"role": "X", "content": "hi"}]}""", "'messages[0].role'"),
            ("/model/run", """{"model": "X", "input": "a"}""", "'model'"),
            ("/model/load", """{"model": "X"}""", "'model'"),
            ("request/org/name", """{"revision": "X"}""", "'revision'"),
            (MiniLm, """{"X": 1, "input": "a"}""", "property name at the top level"),
        ];
        foreach (var (path, body, field) in cases)
        {
            data.Add(path, body, field, false);
            data.Add(path, body, field, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedText))]
    public async Task Routes_MalformedTextInAField_Is400NamingTheField(string path, string template, string field, bool rawBytes)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, message) = await PostBytesAsync(client, path, Body(template, rawBytes));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, message, StringComparison.Ordinal);
        Assert.Contains("not valid text", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterPut_MalformedTextInConfig_Is400NamingTheField()
    {
        using var client = fixture.Server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, MiniLm) { Content = new ByteArrayContent(Body("""{"config": {"a": "X"}}""", rawBytes: true)) };
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var message = AssertErrorEnvelope(JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'config.a'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"\\ud83d\\ude00\"")] // an escaped surrogate pair is one character, fine
    [InlineData("\"é and 😀 raw\"")]
    [InlineData("\"\\u00e9\"")]
    public void Parse_WellFormedText_IsAccepted(string json)
    {
        var root = JsonBody.Parse(Encoding.UTF8.GetBytes(json), "{}");

        Assert.NotNull(root);
        Assert.False(string.IsNullOrEmpty(root.Value.GetString()));
    }

    [Theory]
    [InlineData("\"\\udc00\"")]          // a lone low surrogate
    [InlineData("\"\\ud800\\u0041\"")]   // a high surrogate followed by something else
    [InlineData("\"a\\ud800\"")]         // a high surrogate at the end
    public void Parse_LoneSurrogate_ThrowsBadInput(string json)
    {
        var error = Assert.Throws<EngineException>(() => JsonBody.Parse(Encoding.UTF8.GetBytes(json), "{}"));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.StartsWith("The body is not valid text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })]        // overlong
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]  // an encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // past U+10FFFF
    [InlineData(new byte[] { 0xE2, 0x82 })]        // truncated
    public void Parse_InvalidUtf8InString_ThrowsBadInputNamingIt(byte[] bytes)
    {
        var json = Encoding.UTF8.GetBytes("{\"a\": [{\"b\": \"").Concat(bytes).Concat("\"}]}"u8.ToArray()).ToArray();

        var error = Assert.Throws<EngineException>(() => JsonBody.Parse(json, "{}"));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("'a[0].b'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\t")]
    public void Parse_EmptyBody_IsNull(string json) =>
        Assert.Null(JsonBody.Parse(Encoding.UTF8.GetBytes(json), "{}"));

    [Fact]
    public void Parse_TooDeep_ThrowsBadInput()
    {
        var json = new string('[', JsonBody.MaxDepth + 1) + new string(']', JsonBody.MaxDepth + 1);

        var error = Assert.Throws<EngineException>(() => JsonBody.Parse(Encoding.UTF8.GetBytes(json), "{}"));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BodyLargerThanTheFirstBuffer_ChunkedOrWithItsLength_IsReadWhole()
    {
        // 200 KB: past the reader's first buffer, so a chunked body (no Content-Length) grows it several times.
        using var client = fixture.Server.CreateHttpClient();
        var padding = new string('x', 200_000);
        var outputs = new List<string>();
        foreach (var chunked in new[] { false, true })
        {
            var (status, body) = await PostTextAsync(client, $$"""{"padding": "{{padding}}", "input": "a sentence at the end"}""", chunked);
            Assert.Equal(HttpStatusCode.OK, status);
            outputs.Add(AssertOutput(body).GetRawText());

            // The malformed text is at the very end: a body cut at a buffer's edge would miss it or fail as bad JSON.
            var (badStatus, badBody) = await PostTextAsync(client, $$$"""{"padding": "{{{padding}}}", "input": "a", "params": {"prompt": "\ud800"}}""", chunked);
            Assert.Equal(HttpStatusCode.BadRequest, badStatus);
            Assert.Contains("'params.prompt'", AssertErrorEnvelope(badBody), StringComparison.Ordinal);
        }

        Assert.Equal(outputs[0], outputs[1]);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostTextAsync(HttpClient client, string json, bool chunked)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(MiniLm, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The template with X replaced by an escaped lone surrogate, or by the raw bytes FF FE.</summary>
    private static byte[] Body(string template, bool rawBytes)
    {
        var at = template.IndexOf('X', StringComparison.Ordinal);
        var before = Encoding.UTF8.GetBytes(template[..at]);
        var after = Encoding.UTF8.GetBytes(template[(at + 1)..]);
        byte[] bad = rawBytes ? [0xFF, 0xFE] : Encoding.ASCII.GetBytes("\\ud800");
        return [.. before, .. bad, .. after];
    }

    private static async Task<(HttpStatusCode Status, string Message)> PostBytesAsync(HttpClient client, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path.StartsWith('/') ? new Uri(client.BaseAddress!, path) : new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, AssertErrorEnvelope(JsonDocument.Parse(text).RootElement));
    }
}
