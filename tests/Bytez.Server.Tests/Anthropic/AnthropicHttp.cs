using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.Anthropic;

/// <summary>Raw HTTP as Anthropic's clients send it (<c>x-api-key</c>, <c>anthropic-version</c>), and Anthropic's answers read back.</summary>
internal static class AnthropicHttp
{
    /// <summary>A client whose base is the server's root (paths are <c>v1/messages</c>...), authenticating as Anthropic's SDKs do.</summary>
    public static HttpClient Client(TestServer server, string key = TestServer.Key) => new()
    {
        BaseAddress = server.BaseAddress,
        DefaultRequestHeaders = { { "x-api-key", key }, { "anthropic-version", "2023-06-01" } },
    };

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string path, string json)
    {
        var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Reads a streamed answer: each event's name and data, checking every event has both and that the names match the data's <c>type</c>.</summary>
    public static async Task<(HttpResponseMessage Response, List<(string Name, JsonElement Data)> Events)> StreamAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var events = new List<(string, JsonElement)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            var name = lines[0]["event: ".Length..];
            var data = JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone();
            Assert.Equal(name, data.GetProperty("type").GetString());
            events.Add((name, data));
        }

        return (response, events);
    }

    /// <summary>Asserts Anthropic's error object with <paramref name="type"/> and returns its message.</summary>
    public static string AssertError(JsonElement body, string type)
    {
        Assert.Equal("error", body.GetProperty("type").GetString());
        var error = body.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.StartsWith("req_", body.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    /// <summary>The text of a message's text blocks, joined.</summary>
    public static string Text(JsonElement message) => string.Concat(
        message.GetProperty("content").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "text").Select(b => b.GetProperty("text").GetString()));
}
