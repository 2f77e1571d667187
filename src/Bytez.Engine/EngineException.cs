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

    /// <summary>The server is at capacity; the client should retry later (429 or 503).</summary>
    Overloaded,

    /// <summary>Something failed inside the server (500).</summary>
    Internal,
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

    /// <summary>A not-supported failure.</summary>
    public static EngineException NotSupported(string message) => new(EngineErrorKind.NotSupported, message);
}
