namespace Bytez.Engine.Generation.Tools;

/// <summary>
/// One step of a parsed assistant output while it streams: answer text, thinking text, or a completed tool call
/// (one of them set).
/// </summary>
/// <param name="Content">Answer text to append.</param>
/// <param name="Reasoning">Thinking text to append.</param>
/// <param name="ToolCall">A tool call, complete.</param>
public sealed record AssistantDelta(string? Content = null, string? Reasoning = null, ChatToolCall? ToolCall = null);
