using System.Text;

namespace Bytez.Engine.Generation.Tools;

/// <summary>A model's answer split into its parts: the answer text, the thinking and the tool calls.</summary>
/// <param name="Content">The answer text (empty when the model only called tools or only thought).</param>
/// <param name="Reasoning">The thinking text, or <see langword="null"/> when the model did not think.</param>
/// <param name="ToolCalls">The tool calls, in order.</param>
public sealed record AssistantOutput(string Content, string? Reasoning, IReadOnlyList<ChatToolCall> ToolCalls)
{
    /// <summary>The output the deltas of a stream add up to: texts concatenated, calls in order.</summary>
    public static AssistantOutput Fold(IEnumerable<AssistantDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var content = new StringBuilder();
        StringBuilder? reasoning = null;
        var calls = new List<ChatToolCall>();
        foreach (var d in deltas)
        {
            content.Append(d.Content);
            if (d.Reasoning is not null)
            {
                (reasoning ??= new StringBuilder()).Append(d.Reasoning);
            }

            if (d.ToolCall is not null)
            {
                calls.Add(d.ToolCall);
            }
        }

        return new AssistantOutput(content.ToString(), reasoning?.ToString(), calls);
    }
}
