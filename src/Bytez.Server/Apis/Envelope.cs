using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis;

/// <summary>Writes the Bytez envelope <c>{"error": ..., "output": ...}</c>, the one shape of every JSON answer.</summary>
public static class Envelope
{
    /// <summary>The content type of envelope answers.</summary>
    public const string ContentType = "application/json";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes a success envelope whose output is written by <paramref name="writeOutput"/>.</summary>
    public static async Task WriteOutputAsync(HttpContext context, Action<Utf8JsonWriter> writeOutput, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(writeOutput);
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNull("error");
            writer.WritePropertyName("output");
            writeOutput(writer);
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes a success envelope around a task's output.</summary>
    public static Task WriteOutputAsync(HttpContext context, TaskOutput output) =>
        WriteOutputAsync(context, output.WriteTo);

    /// <summary>Writes a success envelope whose output is a string.</summary>
    public static Task WriteOutputAsync(HttpContext context, string output, int status = StatusCodes.Status200OK) =>
        WriteOutputAsync(context, w => w.WriteStringValue(output), status);

    /// <summary>Writes an error envelope: the message in <c>error</c>, <c>output</c> null.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteNull("output");
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
