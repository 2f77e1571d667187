namespace Bytez.Hub;

/// <summary>What went wrong with a hub call or a download; decides whether a job fails and how the reason reads.</summary>
public enum HubErrorKind
{
    /// <summary>The model id or revision is malformed, or a setting forbids the request.</summary>
    Invalid,

    /// <summary>The repository, revision or file does not exist (hub 404).</summary>
    NotFound,

    /// <summary>The repository is gated or private and no token, or a token without access, was sent (hub 401/403).</summary>
    Unauthorized,

    /// <summary>The repository has no task, format or architecture this server can run.</summary>
    Unsupported,

    /// <summary>A file or the model is larger than the configured cap, or the disk lacks the space.</summary>
    TooLarge,

    /// <summary>A downloaded file does not match the hash the hub published.</summary>
    Integrity,

    /// <summary>The hub kept failing (connection errors, cut bodies, 5xx) after every retry.</summary>
    Unavailable,
}

/// <summary>A hub or download failure with its kind; the message is written for the user who asked for the model.</summary>
public sealed class HubException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubException(HubErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>What went wrong.</summary>
    public HubErrorKind Kind { get; }
}
