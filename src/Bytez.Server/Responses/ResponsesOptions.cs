namespace Bytez.Server.Responses;

/// <summary>
/// Stored conversations of the OpenAI-compatible Responses API (section <c>Bytez:Responses</c>): how long a stored
/// response is kept and how long a conversation continued with <c>previous_response_id</c> may grow. Every option is
/// listed in docs/configuration.md.
/// </summary>
public sealed class ResponsesOptions
{
    /// <summary>
    /// How long a stored response is kept after the last response of its conversation was created (a turn that
    /// continues a conversation keeps all of it for this long again); default 30 days. Older ones are refused as not
    /// found and purged.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The most earlier responses one <c>previous_response_id</c> may bring in; default 1000.</summary>
    public int MaxConversationResponses { get; set; } = 1000;

    /// <summary>The most bytes of stored items one <c>previous_response_id</c> may bring in; default 16 MiB.</summary>
    public long MaxConversationBytes { get; set; } = 16L << 20;

    /// <summary>Checks the values; throws naming the wrong one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Retention, TimeSpan.Zero, nameof(Retention));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Retention, TimeSpan.FromDays(36_500), nameof(Retention));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConversationResponses, 1, nameof(MaxConversationResponses));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxConversationResponses, 100_000, nameof(MaxConversationResponses));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConversationBytes, 1, nameof(MaxConversationBytes));
    }
}
