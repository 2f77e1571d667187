namespace Bytez.Engine;

/// <summary>
/// Limits on one request, so that no single request can hold the server's cores for long (section
/// <c>Bytez:Requests</c>). Past a size limit a request is refused before the model runs (413); past the deadline its
/// work is cancelled (504).
/// </summary>
public sealed class RequestLimitsOptions
{
    /// <summary>
    /// How long one run may take from the moment the engine receives it, waiting in the model's queue and for a load
    /// included, to its last output byte (a stream included). <see cref="TimeSpan.Zero"/> means none. Default 2 minutes.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The most tokens the model is fed for one request, counted where the pipeline tokenizes: all texts of an
    /// embedding request together (after each is cut to the model's length), the prompt of a generation. Default 32768.
    /// </summary>
    public int MaxInputTokens { get; set; } = 32_768;

    /// <summary>The most items in one request: texts to embed, sentences to compare, chat messages. Default 256.</summary>
    public int MaxItems { get; set; } = 256;

    /// <summary>Whether <see cref="Deadline"/> is in force.</summary>
    public bool HasDeadline => Deadline > TimeSpan.Zero && Deadline != Timeout.InfiniteTimeSpan;

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Deadline < TimeSpan.Zero && Deadline != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Deadline), Deadline, "Deadline must be positive, or 0 for none.");
        }

        if (MaxInputTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInputTokens), MaxInputTokens, "MaxInputTokens must be at least 1.");
        }

        if (MaxItems < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxItems), MaxItems, "MaxItems must be at least 1.");
        }
    }

    /// <summary>The refusal of a request with more items than <see cref="MaxItems"/>.</summary>
    public EngineException TooManyItems(string what, int count) =>
        EngineException.TooLarge($"This request has {count} {what}; the server takes at most {MaxItems} per request (Bytez:Requests:MaxItems). Split it into smaller requests.");

    /// <summary>The refusal of a request with more input tokens than <see cref="MaxInputTokens"/>.</summary>
    public EngineException TooManyTokens(string what) =>
        EngineException.TooLarge($"This request has more than {MaxInputTokens} input tokens ({what}); the server takes at most {MaxInputTokens} per request (Bytez:Requests:MaxInputTokens). Send fewer or shorter texts.");
}
