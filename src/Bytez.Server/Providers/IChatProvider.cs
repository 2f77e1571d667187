using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// One closed-source provider's chat API on the wire: how a Bytez conversation becomes its request (path, auth
/// headers, JSON body with <c>params</c> merged in unchanged), and where the text is in its answer and in each event of
/// its streamed answer. Sending, bounds and errors are <see cref="ProviderProxy"/>'s.
/// </summary>
public interface IChatProvider
{
    /// <summary>The provider's name in model ids (<c>openai</c>).</summary>
    string Name { get; }

    /// <summary>The provider's name as people write it (<c>OpenAI</c>), for messages.</summary>
    string DisplayName { get; }

    /// <summary>The provider's public API base, used unless <see cref="ProviderOptions.BaseUrl"/> is set.</summary>
    string DefaultBaseUrl { get; }

    /// <summary>Builds the request for <paramref name="model"/> (streamed when <see cref="ProviderChat.Stream"/> is set), authenticated with <paramref name="key"/>.</summary>
    /// <exception cref="Bytez.Engine.EngineException">A <c>params</c> key collides with a field the request is built from (BadInput).</exception>
    HttpRequestMessage CreateRequest(Uri baseUrl, string model, ProviderChat chat, string key);

    /// <summary>The assistant's text in a whole (not streamed) answer.</summary>
    string ReadText(JsonElement answer);

    /// <summary>The text one event of a streamed answer adds, or <see langword="null"/> when it adds none.</summary>
    /// <param name="eventType">The event's <c>event:</c> field (<c>message</c> when it has none).</param>
    /// <param name="data">The event's <c>data:</c>, parsed.</param>
    string? ReadStreamText(string eventType, JsonElement data);
}
