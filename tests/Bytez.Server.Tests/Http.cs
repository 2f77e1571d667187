using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests;

/// <summary>Raw HTTP helpers: send a request, read the envelope.</summary>
internal static class Http
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(
        HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body, response);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string path, string json) =>
        SendAsync(client, HttpMethod.Post, path, json);

    public static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(HttpClient client, string path) =>
        SendAsync(client, HttpMethod.Get, path);

    /// <summary>Asserts the body is exactly the error envelope and returns the message.</summary>
    public static string AssertErrorEnvelope(JsonElement body)
    {
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.Equal(["error", "output"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("output").ValueKind);
        var message = body.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    /// <summary>Asserts the body is a success envelope and returns its output.</summary>
    public static JsonElement AssertOutput(JsonElement body)
    {
        Assert.Equal(JsonValueKind.Null, body.GetProperty("error").ValueKind);
        return body.GetProperty("output");
    }

    public static float[] Vector(JsonElement array) => Vectors.FromJson(array);

    public static double Cosine(float[] a, float[] b) => Vectors.Cosine(a, b);
}
