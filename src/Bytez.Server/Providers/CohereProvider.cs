using System.Net.Http.Headers;
using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// Cohere's v2 chat API: <c>POST {base}/v2/chat</c> with <c>Authorization: Bearer</c>; <c>{model, messages,
/// stream}</c> with OpenAI's roles. The text is the <c>text</c> blocks of <c>message.content</c>; streamed, the
/// <c>delta.message.content.text</c> of <c>content-delta</c> events.
/// </summary>
public sealed class CohereProvider : IChatProvider
{
    private static readonly string[] Fields = ["model", "messages", "stream"];

    /// <summary>The one instance.</summary>
    public static CohereProvider Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ProviderNames.Cohere;

    /// <inheritdoc />
    public string DisplayName => "Cohere";

    /// <inheritdoc />
    public string DefaultBaseUrl => "https://api.cohere.com";

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string model, ProviderChat chat, string key)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var request = new HttpRequestMessage(HttpMethod.Post, ProviderRequestBody.Endpoint(baseUrl, "v2/chat"))
        {
            Content = ProviderRequestBody.Create(this, Fields, w =>
            {
                w.WriteString("model", model);
                w.WriteStartArray("messages");
                foreach (var message in chat.Messages)
                {
                    w.WriteStartObject();
                    w.WriteString("role", message.Role);
                    w.WriteString("content", message.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteBoolean("stream", chat.Stream);
            }, chat.Params),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(chat.Stream ? "text/event-stream" : "application/json"));
        return request;
    }

    /// <inheritdoc />
    public string ReadText(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object
        && answer.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
        && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
            ? ChatCompletionsProvider.TextBlocks(content)
            : "";

    /// <inheritdoc />
    public string? ReadStreamText(string eventType, JsonElement data) =>
        data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "content-delta"
        && data.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
        && delta.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
        && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
        && content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;
}
