using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// An answer of question-answering: a span of the context and its score, <c>{score, start, end, answer}</c>.
/// The impossible answer (<c>handle_impossible_answer</c>) is the empty span <c>start = end = 0</c>.
/// </summary>
public sealed class AnswerSpan
{
    /// <summary>The probability of the span: the start probability times the end probability (summed over windows of a long context that found the same text).</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <summary>Where the answer starts in the context, in characters (Unicode code points).</summary>
    [JsonPropertyName("start")]
    public required int Start { get; init; }

    /// <summary>Where the answer ends (exclusive) in the context, in characters (Unicode code points).</summary>
    [JsonPropertyName("end")]
    public required int End { get; init; }

    /// <summary>The answer's text, the context from <see cref="Start"/> to <see cref="End"/>.</summary>
    [JsonPropertyName("answer")]
    public required string Answer { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"'{Answer}' [{Start}, {End}) {Score}";
}
