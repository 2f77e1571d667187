namespace Bytez.Engine;

/// <summary>The few kinds of failure the edge maps to status codes.</summary>
public enum EngineErrorKind
{
    /// <summary>The request was malformed or had values out of range (400).</summary>
    BadInput,

    /// <summary>The model or resource does not exist (404).</summary>
    NotFound,

    /// <summary>The model exists but cannot do what was asked (400, names what is supported).</summary>
    NotSupported,

    /// <summary>The model's queue is full; the client should retry later (429 with Retry-After).</summary>
    Overloaded,

    /// <summary>The model cannot be served now: not enough memory, or its cluster is turned off (503).</summary>
    Unavailable,

    /// <summary>The request conflicts with the current state, such as creating a cluster that exists (409).</summary>
    Conflict,

    /// <summary>The request is larger than the server's per-request limits (413, names the limit).</summary>
    TooLarge,

    /// <summary>A media input is in a format this server cannot decode, or needs a decoder that is not installed (415).</summary>
    UnsupportedMediaType,

    /// <summary>The request's work passed the server's deadline and was stopped (504).</summary>
    TimedOut,

    /// <summary>Something failed inside the server (500).</summary>
    Internal,

    /// <summary>The caller may not use what it named, such as a model its API key is not allowed (403).</summary>
    Forbidden,
}

/// <summary>A failure with a message fit for the client and the kind that decides its status code.</summary>
public sealed class EngineException : Exception
{
    /// <summary>Creates an exception of the given kind.</summary>
    public EngineException(EngineErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>What kind of failure this is.</summary>
    public EngineErrorKind Kind { get; }

    /// <summary>A bad-input failure.</summary>
    public static EngineException BadInput(string message) => new(EngineErrorKind.BadInput, message);

    /// <summary>A not-found failure.</summary>
    public static EngineException NotFound(string message) => new(EngineErrorKind.NotFound, message);

    /// <summary>A queue-full failure; <paramref name="retryAfter"/> tells the client when to try again.</summary>
    public static EngineException Overloaded(string message, TimeSpan retryAfter) =>
        new(EngineErrorKind.Overloaded, message) { RetryAfter = retryAfter };

    /// <summary>When the client should retry (for <see cref="EngineErrorKind.Overloaded"/>), if known.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A request over a per-request limit.</summary>
    public static EngineException TooLarge(string message) => new(EngineErrorKind.TooLarge, message);

    /// <summary>A refusal: the caller may not use what it named (403).</summary>
    public static EngineException Forbidden(string message) => new(EngineErrorKind.Forbidden, message);

    /// <summary>A not-supported failure.</summary>
    public static EngineException NotSupported(string message) => new(EngineErrorKind.NotSupported, message);
}
