namespace Bytez.Engine.Generation.Tools;

/// <summary>
/// The tags around a reasoning model's thinking (<c>&lt;think&gt;...&lt;/think&gt;</c>: Qwen 3, DeepSeek-R1 and
/// their distillations), chosen from the chat template by <see cref="Detect"/>.
/// </summary>
public sealed class ReasoningTags
{
    private ReasoningTags(string open, string close)
    {
        Open = open;
        Close = close;
    }

    /// <summary><c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>.</summary>
    public static ReasoningTags Think { get; } = new("<think>", "</think>");

    /// <summary>The tag that opens the thinking.</summary>
    public string Open { get; }

    /// <summary>The tag that closes the thinking; the answer follows it.</summary>
    public string Close { get; }

    /// <summary>The tags a chat template's model thinks in: <see cref="Think"/> when the template mentions <c>&lt;/think&gt;</c> or <c>&lt;think&gt;</c>, else <see langword="null"/>.</summary>
    public static ReasoningTags? Detect(string? chatTemplate)
        => chatTemplate is not null && (chatTemplate.Contains("</think>", StringComparison.Ordinal) || chatTemplate.Contains("<think>", StringComparison.Ordinal))
            ? Think
            : null;

    /// <summary>
    /// Whether a rendered prompt already opened the thinking, so the output starts inside it: the prompt ends with
    /// the opening tag (and whitespace), as the generation prompts of Qwen3's Thinking-2507 models and of newer
    /// DeepSeek-R1 templates do.
    /// </summary>
    public bool OpensIn(string renderedPrompt)
    {
        ArgumentNullException.ThrowIfNull(renderedPrompt);
        return renderedPrompt.AsSpan().TrimEnd().EndsWith(Open, StringComparison.Ordinal);
    }
}
