using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The input of zero-shot-classification: a text and the labels to choose from, sent as
/// <c>{"text": ..., "candidate_labels": [...]}</c> in <c>input</c>, as the official clients send it.
/// </summary>
public sealed class ZeroShotClassificationInput
{
    /// <summary>Creates the input.</summary>
    /// <param name="text">The text to classify.</param>
    /// <param name="candidateLabels">The labels to score it against; each becomes a hypothesis such as "This example is {label}.".</param>
    public ZeroShotClassificationInput(string text, IReadOnlyList<string> candidateLabels)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(candidateLabels);
        Text = text;
        CandidateLabels = candidateLabels;
    }

    /// <summary>The text to classify.</summary>
    [JsonPropertyName("text")]
    public string Text { get; }

    /// <summary>The labels to score the text against.</summary>
    [JsonPropertyName("candidate_labels")]
    public IReadOnlyList<string> CandidateLabels { get; }
}
