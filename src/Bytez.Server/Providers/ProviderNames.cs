namespace Bytez.Server.Providers;

/// <summary>The closed-source providers the run route reaches: the <c>org</c> of <c>POST /models/v2/{provider}/{model}</c>.</summary>
public static class ProviderNames
{
    /// <summary>OpenAI.</summary>
    public const string OpenAi = "openai";

    /// <summary>Anthropic.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Google (Gemini).</summary>
    public const string Google = "google";

    /// <summary>Mistral AI.</summary>
    public const string Mistral = "mistral";

    /// <summary>Cohere.</summary>
    public const string Cohere = "cohere";

    /// <summary>Every provider, in the order they are listed.</summary>
    public static IReadOnlyList<string> All { get; } = [OpenAi, Anthropic, Google, Mistral, Cohere];

    /// <summary>The provider an <c>org</c> names (matched without regard to case), or <see langword="null"/>.</summary>
    public static string? Find(string org) =>
        All.FirstOrDefault(p => string.Equals(p, org, StringComparison.OrdinalIgnoreCase));

    /// <summary>The provider's configuration section under <c>Bytez:Providers</c>: <c>OpenAi</c>, <c>Anthropic</c>, ...</summary>
    public static string Section(string provider) => provider switch
    {
        OpenAi => "OpenAi",
        Anthropic => "Anthropic",
        Google => "Google",
        Mistral => "Mistral",
        Cohere => "Cohere",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "not a closed-source provider"),
    };
}
