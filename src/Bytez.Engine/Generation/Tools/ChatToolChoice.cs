namespace Bytez.Engine.Generation.Tools;

/// <summary>What the model must do with the tools (OpenAI's <c>tool_choice</c>).</summary>
public enum ChatToolChoiceKind
{
    /// <summary>The model decides whether to call a tool (the default with tools).</summary>
    Auto,

    /// <summary>The model answers without calling a tool.</summary>
    None,

    /// <summary>The model calls at least one tool.</summary>
    Required,

    /// <summary>The model calls the named function.</summary>
    Function,
}

/// <summary>A request's <c>tool_choice</c>.</summary>
/// <param name="Kind">What the model must do.</param>
/// <param name="FunctionName">The function to call when <paramref name="Kind"/> is <see cref="ChatToolChoiceKind.Function"/>.</param>
public sealed record ChatToolChoice(ChatToolChoiceKind Kind, string? FunctionName = null)
{
    /// <summary>The model decides.</summary>
    public static ChatToolChoice Auto { get; } = new(ChatToolChoiceKind.Auto);

    /// <summary>No tool call.</summary>
    public static ChatToolChoice None { get; } = new(ChatToolChoiceKind.None);
}
