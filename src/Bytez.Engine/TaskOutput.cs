using System.Text.Json;

namespace Bytez.Engine;

/// <summary>The output of one task run, written straight into the <c>output</c> field of the envelope.</summary>
public abstract class TaskOutput
{
    /// <summary>Writes the output as one JSON value.</summary>
    public abstract void WriteTo(Utf8JsonWriter writer);
}

/// <summary>One embedding: a JSON array of numbers.</summary>
public sealed class EmbeddingOutput(float[] vector) : TaskOutput
{
    /// <summary>The embedding.</summary>
    public float[] Vector { get; } = vector;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteVector(writer, Vector);
    }

    internal static void WriteVector(Utf8JsonWriter writer, ReadOnlySpan<float> vector)
    {
        writer.WriteStartArray();
        foreach (var x in vector)
        {
            writer.WriteNumberValue(x);
        }

        writer.WriteEndArray();
    }
}

/// <summary>Several embeddings: a JSON array of arrays of numbers, in input order.</summary>
public sealed class EmbeddingsOutput(float[][] vectors) : TaskOutput
{
    /// <summary>The embeddings, one per input text.</summary>
    public float[][] Vectors { get; } = vectors;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        foreach (var v in Vectors)
        {
            EmbeddingOutput.WriteVector(writer, v);
        }

        writer.WriteEndArray();
    }
}

/// <summary>Similarity scores of candidate sentences to a source sentence: a JSON array of numbers.</summary>
public sealed class ScoresOutput(float[] scores) : TaskOutput
{
    /// <summary>One score per candidate, in input order.</summary>
    public float[] Scores { get; } = scores;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        EmbeddingOutput.WriteVector(writer, Scores);
    }
}

/// <summary>A text: a JSON string (text-generation and other text tasks).</summary>
public sealed class TextOutput(string text) : TaskOutput
{
    /// <summary>The text.</summary>
    public string Text { get; } = text;

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Text);
    }
}

/// <summary>The assistant's answer of a chat: <c>{"role": "assistant", "content": "..."}</c>.</summary>
public sealed class ChatOutput(string content) : TaskOutput
{
    /// <summary>The assistant's text.</summary>
    public string Content { get; } = content;

    /// <summary>A thinking model's thinking, apart from the answer; <see langword="null"/> when it did not think (or its thinking is not split).</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>The tool calls the assistant made; empty when none.</summary>
    public IReadOnlyList<Generation.Tools.ChatToolCall> ToolCalls { get; init; } = [];

    /// <inheritdoc />
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteString("content", Content);
        if (ReasoningContent is not null)
        {
            writer.WriteString("reasoning_content", ReasoningContent);
        }

        if (ToolCalls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in ToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}

/// <summary>Several outputs (for example <c>num_return_sequences</c> &gt; 1): a JSON array of them.</summary>
public sealed class ListOutput(IReadOnlyList<TaskOutput> items) : TaskOutput
{
    /// <summary>The outputs, in order.</summary>
    public IReadOnlyList<TaskOutput> Items { get; } = items;

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
