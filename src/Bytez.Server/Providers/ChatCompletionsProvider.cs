using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// A provider with OpenAI's Chat Completions wire format: OpenAI itself and Mistral. <c>POST {base}/chat/completions</c>
/// with <c>Authorization: Bearer</c>, <c>{model, messages, stream}</c>; the text is <c>choices[0].message.content</c>,
/// streamed as <c>data: {chunk}</c> events with <c>choices[0].delta.content</c>, ended by <c>data: [DONE]</c>.
/// </summary>
public sealed class ChatCompletionsProvider : IChatProvider
{
    private static readonly string[] Fields = ["model", "messages", "stream"];

    private ChatCompletionsProvider(string name, string displayName, string defaultBaseUrl)
    {
        Name = name;
        DisplayName = displayName;
        DefaultBaseUrl = defaultBaseUrl;
    }

    /// <summary>OpenAI's Chat Completions API, <c>https://api.openai.com/v1</c>.</summary>
    public static ChatCompletionsProvider OpenAi { get; } = new(ProviderNames.OpenAi, "OpenAI", "https://api.openai.com/v1");

    /// <summary>Mistral's chat completions API, <c>https://api.mistral.ai/v1</c>.</summary>
    public static ChatCompletionsProvider Mistral { get; } = new(ProviderNames.Mistral, "Mistral", "https://api.mistral.ai/v1");

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string DisplayName { get; }

    /// <inheritdoc />
    public string DefaultBaseUrl { get; }

    /// <inheritdoc />
    public HttpRequestMessage CreateRequest(Uri baseUrl, string model, ProviderChat chat, string key)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var request = new HttpRequestMessage(HttpMethod.Post, ProviderRequestBody.Endpoint(baseUrl, "chat/completions"))
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
                if (chat.Stream)
                {
                    w.WriteBoolean("stream", true);
                }
            }, chat.Params),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(chat.Stream ? "text/event-stream" : "application/json"));
        return request;
    }

    /// <inheritdoc />
    public string ReadText(JsonElement answer) => Choice(answer, "message");

    /// <inheritdoc />
    public string? ReadStreamText(string eventType, JsonElement data) => Choice(data, "delta") is { Length: > 0 } text ? text : null;

    private static string Choice(JsonElement answer, string part)
    {
        if (answer.ValueKind != JsonValueKind.Object
            || !answer.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array
            || choices.GetArrayLength() == 0
            || !choices[0].TryGetProperty(part, out var message) || message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("content", out var content))
        {
            return "";
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            // Mistral may answer content as chunks: [{"type": "text", "text": ...}].
            JsonValueKind.Array => TextBlocks(content),
            _ => "",
        };
    }

    /// <summary>The texts of <c>[{"type": "text", "text"}]</c> blocks, joined.</summary>
    internal static string TextBlocks(JsonElement blocks)
    {
        var text = new StringBuilder();
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object
                && block.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"
                && block.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
            {
                text.Append(value.GetString());
            }
        }

        return text.ToString();
    }
}
