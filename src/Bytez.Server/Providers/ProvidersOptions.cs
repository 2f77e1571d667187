namespace Bytez.Server.Providers;

/// <summary>
/// The closed-source provider proxy (section <c>Bytez:Providers</c>): each provider's key, address and listed models,
/// and the bounds of every call to a provider. Every option is listed in docs/configuration.md.
/// </summary>
public sealed class ProvidersOptions
{
    /// <summary>OpenAI (section <c>Bytez:Providers:OpenAi</c>), reached through its Chat Completions API.</summary>
    public ProviderOptions OpenAi { get; set; } = new();

    /// <summary>Anthropic (section <c>Bytez:Providers:Anthropic</c>), reached through its Messages API.</summary>
    public ProviderOptions Anthropic { get; set; } = new();

    /// <summary>Google Gemini (section <c>Bytez:Providers:Google</c>), reached through generateContent.</summary>
    public ProviderOptions Google { get; set; } = new();

    /// <summary>Mistral (section <c>Bytez:Providers:Mistral</c>), reached through its chat completions API.</summary>
    public ProviderOptions Mistral { get; set; } = new();

    /// <summary>Cohere (section <c>Bytez:Providers:Cohere</c>), reached through its v2 chat API.</summary>
    public ProviderOptions Cohere { get; set; } = new();

    /// <summary>How long a provider may take to answer a call that is not streamed, or to start a streamed one; default 5 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a streamed answer may go without a byte from the provider before it is cut off; default 2 minutes.</summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long connecting to a provider may take; default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most bytes of one provider answer (a streamed one in total); more, 502. Default 32 MiB.</summary>
    public long MaxResponseBytes { get; set; } = 32L << 20;

    /// <summary>The settings of the provider named <paramref name="name"/> (<c>openai</c>, <c>anthropic</c>, <c>google</c>, <c>mistral</c>, <c>cohere</c>).</summary>
    public ProviderOptions For(string name) => name switch
    {
        ProviderNames.OpenAi => OpenAi,
        ProviderNames.Anthropic => Anthropic,
        ProviderNames.Google => Google,
        ProviderNames.Mistral => Mistral,
        ProviderNames.Cohere => Cohere,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a closed-source provider"),
    };

    /// <summary>Checks the values; throws naming the wrong one.</summary>
    /// <exception cref="ArgumentException">A value is out of range, a base URL is not absolute http(s), or a model name is empty or has a '/'.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StreamIdleTimeout, TimeSpan.Zero, nameof(StreamIdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResponseBytes, 1024, nameof(MaxResponseBytes));
        foreach (var name in ProviderNames.All)
        {
            var provider = For(name);
            if (!string.IsNullOrWhiteSpace(provider.BaseUrl)
                && !(Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                throw new ArgumentException($"Bytez:Providers:{ProviderNames.Section(name)}:BaseUrl '{provider.BaseUrl}' is not an absolute http or https URL.");
            }

            foreach (var model in provider.Models)
            {
                if (string.IsNullOrWhiteSpace(model) || model.Contains('/', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Bytez:Providers:{ProviderNames.Section(name)}:Models has '{model}'; give the provider's model name without a '/' (gpt-4o, not openai/gpt-4o).");
                }
            }
        }
    }
}
