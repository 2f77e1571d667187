using System.Net.Http.Headers;
using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// Anthropic's Messages API: <c>POST {base}/v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>;
/// <c>{model, max_tokens, system, messages, stream}</c>, system messages joined into <c>system</c>. The text is the
/// <c>text</c> blocks of <c>content</c>; streamed, the <c>text_delta</c>s of <c>content_block_delta</c> events.
/// </summary>
public sealed class AnthropicProvider : IChatProvider
{
    /// <summary>The API version sent in <c>anthropic-version</c>.</summary>
    public const string ApiVersion = "2023-06-01";

    /// <summary>The <c>max_tokens</c> sent when <c>params</c> has none (Anthropic requires one).</summary>
    public const int DefaultMaxTokens = 4096;

    /// <summary>The one instance.</summary>
    public static AnthropicProvider Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ProviderNames.Anthropic;

    /// <inheritdoc />
    public string DisplayName => "Anthropic";

    /// <inheritdoc />
    public string DefaultBaseUrl => "https://api.anthropic.com";

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string model, ProviderChat chat, string key)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var system = chat.SystemText;
        var fields = new List<string> { "model", "messages", "stream" };
        if (system is not null)
        {
            fields.Add("system");
        }

        var request = new HttpRequestMessage(HttpMethod.Post, ProviderRequestBody.Endpoint(baseUrl, "v1/messages"))
        {
            Content = ProviderRequestBody.Create(this, fields, w =>
            {
                w.WriteString("model", model);
                if (!ProviderRequestBody.Has(chat.Params, "max_tokens"))
                {
                    w.WriteNumber("max_tokens", DefaultMaxTokens);
                }

                if (system is not null)
                {
                    w.WriteString("system", system);
                }

                w.WriteStartArray("messages");
                foreach (var message in chat.Turns)
                {
                    w.WriteStartObject();
                    w.WriteString("role", message.Role);
                    w.WriteString("content", message.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (chat.Stream)
                {
                    w.WriteBoolean("stream", true);
                }
            }, chat.Params),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", ApiVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(chat.Stream ? "text/event-stream" : "application/json"));
        return request;
    }

    /// <inheritdoc />
    public string ReadText(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
            ? ChatCompletionsProvider.TextBlocks(content)
            : "";

    /// <inheritdoc />
    public string? ReadStreamText(string eventType, JsonElement data) =>
        data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "content_block_delta"
        && data.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
        && delta.TryGetProperty("type", out var deltaType) && deltaType.ValueKind == JsonValueKind.String && deltaType.GetString() == "text_delta"
        && delta.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;
}
