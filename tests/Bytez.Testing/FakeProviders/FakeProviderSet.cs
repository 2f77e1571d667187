namespace Bytez.Testing.FakeProviders;

/// <summary>The five fake providers, started together, and the server settings that point the proxy at them.</summary>
public sealed class FakeProviderSet : IAsyncDisposable
{
    private FakeProviderSet(IReadOnlyList<FakeProvider> all) => All = all;

    /// <summary>Every fake, in the order openai, anthropic, google, mistral, cohere.</summary>
    public IReadOnlyList<FakeProvider> All { get; }

    /// <summary>The fake of the provider <paramref name="name"/> (<c>openai</c>, ...).</summary>
    public FakeProvider this[string name] => All.Single(p => p.Name == name);

    /// <summary>Starts the five fakes.</summary>
    public static async Task<FakeProviderSet> StartAsync()
    {
        FakeProvider[] all = [new FakeOpenAi(), new FakeAnthropic(), new FakeGoogle(), new FakeMistral(), new FakeCohere()];
        foreach (var provider in all)
        {
            await provider.StartAsync().ConfigureAwait(false);
        }

        return new FakeProviderSet(all);
    }

    /// <summary>The configuration section of a provider under <c>Bytez:Providers</c>.</summary>
    public static string Section(string name) => name switch
    {
        "openai" => "OpenAi",
        _ => char.ToUpperInvariant(name[0]) + name[1..],
    };

    /// <summary>
    /// Server settings: every provider's <c>BaseUrl</c> pointing at its fake; with <paramref name="serverKeys"/>, the
    /// valid key as the server's own key and <paramref name="models"/> as each provider's listed models.
    /// </summary>
    public Dictionary<string, string?> Settings(bool serverKeys = false, params string[] models)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var provider in All)
        {
            var section = $"Bytez:Providers:{Section(provider.Name)}";
            settings[$"{section}:BaseUrl"] = provider.BaseUrl;
            if (serverKeys)
            {
                settings[$"{section}:Key"] = provider.ValidKey;
            }

            for (var i = 0; i < models.Length; i++)
            {
                settings[$"{section}:Models:{i}"] = models[i];
            }
        }

        return settings;
    }

    /// <summary>Stops the fakes.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var provider in All)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}
