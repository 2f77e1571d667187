using System.Text.Json.Serialization;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>One answer: Hugging Face's <c>{score, start, end, answer}</c>, in that key order.</summary>
/// <param name="Score">
/// p_start × p_end in float32, widened to double; the same answer text found in several windows (case-insensitive)
/// adds its scores in double, as Python's float does.
/// </param>
/// <param name="Start">Start of the answer in the context, in code points.</param>
/// <param name="End">End of the answer in the context, in code points (exclusive).</param>
/// <param name="Answer">The context's text between them.</param>
public sealed record QuestionAnsweringAnswer(
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("end")] int End,
    [property: JsonPropertyName("answer")] string Answer);
