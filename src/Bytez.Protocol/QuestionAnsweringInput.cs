using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The input of question-answering: a question and the text that holds its answer, sent as
/// <c>{"question": ..., "context": ...}</c> in <c>input</c>, as the official clients send it.
/// </summary>
public sealed class QuestionAnsweringInput
{
    /// <summary>Creates the input.</summary>
    /// <param name="question">The question.</param>
    /// <param name="context">The text the answer is taken from.</param>
    public QuestionAnsweringInput(string question, string context)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(context);
        Question = question;
        Context = context;
    }

    /// <summary>The question.</summary>
    [JsonPropertyName("question")]
    public string Question { get; }

    /// <summary>The text the answer is taken from; answers' <c>start</c> and <c>end</c> are offsets into it.</summary>
    [JsonPropertyName("context")]
    public string Context { get; }
}
