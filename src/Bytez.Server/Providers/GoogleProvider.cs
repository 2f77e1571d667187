using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// Google's Gemini API: <c>POST {base}/v1beta/models/{model}:generateContent</c> (streamed:
/// <c>:streamGenerateContent?alt=sse</c>) with <c>x-goog-api-key</c>; <c>{contents: [{role: user|model, parts:
/// [{text}]}], systemInstruction}</c>. The text is the parts of <c>candidates[0].content</c> (thoughts left out), in the
/// answer and in each streamed <c>data:</c> chunk.
/// </summary>
public sealed class GoogleProvider : IChatProvider
{
    /// <summary>The one instance.</summary>
    public static GoogleProvider Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ProviderNames.Google;

    /// <inheritdoc />
    public string DisplayName => "Google";

    /// <inheritdoc />
    public string DefaultBaseUrl => "https://generativelanguage.googleapis.com";

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string model, ProviderChat chat, string key)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var system = chat.SystemText;
        var fields = new List<string> { "contents" };
        if (system is not null)
        {
            fields.Add("systemInstruction");
        }

        var method = chat.Stream ? "streamGenerateContent?alt=sse" : "generateContent";
        var request = new HttpRequestMessage(HttpMethod.Post, ProviderRequestBody.Endpoint(baseUrl, $"v1beta/models/{Uri.EscapeDataString(model)}:{method}"))
        {
            Content = ProviderRequestBody.Create(this, fields, w =>
            {
                w.WriteStartArray("contents");
                foreach (var message in chat.Turns)
                {
                    w.WriteStartObject();
                    w.WriteString("role", message.Role == "assistant" ? "model" : "user");
                    WriteParts(w, message.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (system is not null)
                {
                    w.WriteStartObject("systemInstruction");
                    WriteParts(w, system);
                    w.WriteEndObject();
                }
            }, chat.Params),
        };
        // The key goes in a header, never in the URL, so that no log of request addresses can hold it.
        request.Headers.Add("x-goog-api-key", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(chat.Stream ? "text/event-stream" : "application/json"));
        return request;
    }

    private static void WriteParts(Utf8JsonWriter w, string text)
    {
        w.WriteStartArray("parts");
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <inheritdoc />
    public string ReadText(JsonElement answer) => CandidateText(answer);

    /// <inheritdoc />
    public string? ReadStreamText(string eventType, JsonElement data) => CandidateText(data) is { Length: > 0 } text ? text : null;

    private static string CandidateText(JsonElement answer)
    {
        if (answer.ValueKind != JsonValueKind.Object
            || !answer.TryGetProperty("candidates", out var candidates) || candidates.ValueKind != JsonValueKind.Array
            || candidates.GetArrayLength() == 0
            || !candidates[0].TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object
            || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            var thought = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("thought", out var t) && t.ValueKind == JsonValueKind.True;
            if (!thought && part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
            {
                text.Append(value.GetString());
            }
        }

        return text.ToString();
    }
}
