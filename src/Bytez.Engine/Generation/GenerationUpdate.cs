namespace Bytez.Engine.Generation;

/// <summary>
/// One update of a generation as the engine streams it to routes that report more than text (the OpenAI-compatible
/// routes): a piece of one sequence's text with its token counts, its log-probabilities when asked, and, on the
/// sequence's last update, why it ended. The Bytez routes write only <see cref="Text"/>; a non-streamed answer is the
/// fold of these updates.
/// </summary>
public sealed record GenerationUpdate
{
    /// <summary>Which sequence of the request this update belongs to (0 to <c>num_return_sequences</c> - 1).</summary>
    public int Index { get; init; }

    /// <summary>The text this update adds to its sequence (may be empty); for a continued text with <c>return_full_text</c>, the first update holds the prompt.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>Why the sequence ended; set on its last update only.</summary>
    public FinishReason? Finish { get; init; }

    /// <summary>The prompt's tokens.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Of <see cref="PromptTokens"/>, those whose key/value state came from the runtime's prefix cache instead of being computed (OpenAI's <c>cached_tokens</c>).</summary>
    public int CachedPromptTokens { get; init; }

    /// <summary>Tokens the sequence has generated so far.</summary>
    public int GeneratedTokens { get; init; }

    /// <summary>
    /// For a chat whose output is parsed (tools offered, or a thinking model): the thinking this update adds, apart
    /// from <see cref="Text"/>, which then holds only answer text; else <see langword="null"/>.
    /// </summary>
    public string? Reasoning { get; init; }

    /// <summary>For a chat with tools: the tool calls this update completes; else <see langword="null"/>.</summary>
    public IReadOnlyList<Tools.ChatToolCall>? ToolCalls { get; init; }

    /// <summary>The log-probabilities of the tokens this update completes, when <c>logprobs</c> asked for them; else <see langword="null"/>.</summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }
}
