using System.Text.Json;

namespace Bytez.Engine;

/// <summary>A label with its score, as the classification tasks answer (<c>{"label": ..., "score": ...}</c>).</summary>
/// <param name="Label">The label's name (from the model's <c>id2label</c>).</param>
/// <param name="Score">The score, computed in float32 as the Python pipelines do.</param>
public readonly record struct LabelScore(string Label, float Score)
{
    /// <summary>Writes <c>{"label", "score"}</c>; the score is the float32 value widened to double, as Python's <c>.item()</c> gives it.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("label", Label);
        writer.WriteNumber("score", (double)Score);
        writer.WriteEndObject();
    }
}

/// <summary>One label and score: a JSON object <c>{"label", "score"}</c>.</summary>
public sealed class LabelScoreOutput(LabelScore item) : TaskOutput
{
    /// <summary>The label and score.</summary>
    public LabelScore Item { get; } = item;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer) => Item.WriteTo(writer);
}

/// <summary>Labels and scores: a JSON array of <c>{"label", "score"}</c>, in the order given.</summary>
public sealed class LabelScoresOutput(IReadOnlyList<LabelScore> items) : TaskOutput
{
    /// <summary>The labels and scores, in order.</summary>
    public IReadOnlyList<LabelScore> Items { get; } = items;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        foreach (var item in Items)
        {
            item.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// Labels and scores with the score first, as the audio-classification and zero-shot-image-classification pipelines
/// write them: a JSON array of <c>{"score", "label"}</c>, in the order given.
/// </summary>
public sealed class ScoreLabelsOutput(IReadOnlyList<LabelScore> items) : TaskOutput
{
    /// <summary>The labels and scores, in order.</summary>
    public IReadOnlyList<LabelScore> Items { get; } = items;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        foreach (var item in Items)
        {
            writer.WriteStartObject();
            writer.WriteNumber("score", (double)item.Score);
            writer.WriteString("label", item.Label);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
