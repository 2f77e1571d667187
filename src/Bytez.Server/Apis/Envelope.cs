using System.Buffers;
using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis;

/// <summary>Writes the Bytez envelope <c>{"error": ..., "output": ...}</c>, the one shape of every JSON answer.</summary>
public static class Envelope
{
    /// <summary>The content type of envelope answers.</summary>
    public const string ContentType = "application/json";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>
    /// Writes a success envelope whose output is written by <paramref name="writeOutput"/>. The envelope is built in
    /// memory first and sent with a Content-Length in one write: no chunked framing, no second flush. A closed-source
    /// model's answer adds <paramref name="provider"/>, the provider's raw answer, as <c>provider</c>.
    /// </summary>
    public static async Task WriteOutputAsync(
        HttpContext context, Action<Utf8JsonWriter> writeOutput, int status = StatusCodes.Status200OK, JsonElement? provider = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(writeOutput);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNull("error");
            writer.WritePropertyName("output");
            writeOutput(writer);
            if (provider is { } raw)
            {
                writer.WritePropertyName("provider");
                raw.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes a success envelope around a task's output.</summary>
    public static Task WriteOutputAsync(HttpContext context, TaskOutput output) =>
        WriteOutputAsync(context, output.WriteTo);

    /// <summary>Writes a success envelope whose output is a string.</summary>
    public static Task WriteOutputAsync(HttpContext context, string output, int status = StatusCodes.Status200OK) =>
        WriteOutputAsync(context, w => w.WriteStringValue(output), status);

    /// <summary>
    /// Writes an error envelope: the message in <c>error</c>, <c>output</c> null. On an OpenAI-compatible path the
    /// same failure is written as OpenAI's error object instead (<see cref="OpenAi.OpenAiErrors"/>), as it is on the
    /// peers' tokenizer paths; on an Anthropic-compatible path as Anthropic's (<see cref="Anthropic.AnthropicErrors"/>;
    /// checked first, since <c>/v1/messages</c> is under OpenAI's <c>/v1</c> too); on the rerank paths as Cohere's
    /// (<see cref="Rerank.RerankErrors"/>) and on TEI's paths as TEI's (<see cref="Tei.TeiErrors"/>).
    /// </summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        if (Anthropic.AnthropicApi.IsAnthropicPath(context.Request.Path))
        {
            await Anthropic.AnthropicErrors.WriteAsync(context, status, message).ConfigureAwait(false);
            return;
        }

        if (Rerank.RerankApi.IsRerankPath(context.Request.Path))
        {
            await Rerank.RerankErrors.WriteAsync(context, status, message).ConfigureAwait(false);
            return;
        }

        if (Tei.TeiApi.IsTeiPath(context.Request.Path))
        {
            await Tei.TeiErrors.WriteAsync(context, status, message).ConfigureAwait(false);
            return;
        }

        if (OpenAi.OpenAiApi.IsOpenAiPath(context.Request.Path) || Tokenizer.TokenizerAliasesApi.IsAliasPath(context.Request.Path))
        {
            await OpenAi.OpenAiErrors.WriteAsync(context, status, message).ConfigureAwait(false);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteNull("output");
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }
}
