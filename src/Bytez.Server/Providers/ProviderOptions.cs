namespace Bytez.Server.Providers;

/// <summary>
/// One closed-source provider's settings (section <c>Bytez:Providers:&lt;Provider&gt;</c>, such as
/// <c>Bytez:Providers:OpenAi</c>): its key, its address and the models <c>list/models</c> shows.
/// </summary>
public sealed class ProviderOptions
{
    /// <summary>
    /// The server's own key of this provider, used when a request sends no <c>provider-key</c> header. Never logged,
    /// never printed, never stored by the server. Default none: every request must bring its key.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>The provider's API base; default the provider's public one (for example <c>https://api.openai.com/v1</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The provider's model names (<c>gpt-4o</c>, not <c>openai/gpt-4o</c>) that <c>list/models</c> shows as chat
    /// models, only while <see cref="Key"/> is set. Any other name can still be run. Default none.
    /// </summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Whether the server has its own key of this provider.</summary>
    public bool HasKey => !string.IsNullOrWhiteSpace(Key);
}
