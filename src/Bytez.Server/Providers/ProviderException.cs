namespace Bytez.Server.Providers;

/// <summary>
/// A closed-source provider refused or failed a call: the status code the Bytez answer gets (401 for a refused key,
/// 429 with the provider's Retry-After, the provider's 4xx, 502/503 for its failures, 504 for a timeout) and a
/// message naming the provider, with the provider's own message. <c>ErrorMapping</c> writes it in the envelope.
/// </summary>
public sealed class ProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProviderException(int statusCode, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The status code of the Bytez answer.</summary>
    public int StatusCode { get; }

    /// <summary>When to retry, from the provider's Retry-After (429), if it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
