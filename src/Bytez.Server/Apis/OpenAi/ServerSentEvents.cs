using System.Buffers;
using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// Writes a streamed OpenAI answer as Server-Sent Events: each event <c>data: {json}\n\n</c> (with an
/// <c>event: name</c> line when it has a name, as the Responses API's events do), flushed as soon as it is written.
/// Nothing is sent before the first event, so a failure before it still gets its status code and OpenAI's error
/// object (<see cref="RunAsync"/>); a failure after it is written as one <c>data: {"error": {...}}</c> event and
/// ends the stream. A client that goes away cancels the request's token, which stops the generation at its next token.
/// </summary>
public sealed partial class ServerSentEvents
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly HttpContext _context;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter? _writer;

    private ServerSentEvents(HttpContext context) => _context = context;

    /// <summary>Whether the first event (and so the headers) has been sent.</summary>
    public bool HasStarted { get; private set; }

    /// <summary>
    /// Runs <paramref name="produce"/>, which writes the events, then <c>data: [DONE]</c> when <paramref name="done"/>
    /// (chat and completions end with it; the Responses API does not). A failure before the first event is rethrown
    /// (the error handler answers it with a status code); after it, it becomes an error event. A client that left
    /// ends the stream quietly. Another API's streams give <paramref name="writeError"/> (the data of the error event,
    /// from its status and message) and <paramref name="errorEvent"/> (its name), as Anthropic's <c>event: error</c>.
    /// </summary>
    public static async Task RunAsync(
        HttpContext context, Func<ServerSentEvents, Task> produce, bool done = true, Action<Utf8JsonWriter, int, string>? writeError = null, string? errorEvent = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(produce);
        var events = new ServerSentEvents(context);
        var aborted = context.RequestAborted;
        try
        {
            await produce(events).ConfigureAwait(false);
            if (done)
            {
                await events.StartAsync().ConfigureAwait(false);
                await context.Response.Body.WriteAsync(Done, aborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; nobody to answer.
        }
        catch (Exception e) when (events.HasStarted && e is not OperationCanceledException)
        {
            var status = e is EngineException engine ? ErrorMapping.StatusCode(engine.Kind) : StatusCodes.Status500InternalServerError;
            var message = e is EngineException ? e.Message : "Generation failed; the server log has the details.";
            if (e is not EngineException)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Bytez.Server.Stream");
                LogStreamFailed(logger, e, context.Request.Path);
            }

            try
            {
                await events.WriteAsync(w => (writeError ?? WriteError)(w, status, message), errorEvent, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                // The client left while the error was written.
            }
        }
    }

    /// <summary>Writes one event whose data is the JSON <paramref name="write"/> writes, named <paramref name="eventName"/> when given, and flushes it.</summary>
    public ValueTask WriteAsync(Action<Utf8JsonWriter> write, string? eventName = null) =>
        WriteAsync(write, eventName, _context.RequestAborted);

    private async ValueTask WriteAsync(Action<Utf8JsonWriter> write, string? eventName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        await StartAsync().ConfigureAwait(false);
        _buffer.ResetWrittenCount();
        if (eventName is not null)
        {
            Append("event: "u8);
            System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, eventName.AsSpan(), _buffer);
            Append("\n"u8);
        }

        Append("data: "u8);
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        }
        else
        {
            _writer.Reset(_buffer);
        }

        write(_writer);
        _writer.Flush();
        Append("\n\n"u8);
        await _context.Response.Body.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Append(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    private async ValueTask StartAsync()
    {
        if (HasStarted)
        {
            return;
        }

        var response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        HasStarted = true;
        await response.StartAsync(_context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>OpenAI's error object, <c>{"error": {"message", "type", "param", "code"}}</c>, as an event's data.</summary>
    private static void WriteError(Utf8JsonWriter writer, int status, string message)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", OpenAiErrors.Type(status));
        writer.WriteNull("param");
        writer.WriteString("code", OpenAiErrors.Code(status));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Streaming {Path} failed after it started")]
    private static partial void LogStreamFailed(ILogger logger, Exception error, string path);
}
