using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Providers;

namespace Bytez.Server.Apis;

/// <summary><c>POST {org}/{model}</c>: runs a model on the request's input and answers its task's output.</summary>
public static partial class RunApi
{
    /// <summary>Maps the run route onto the API group.</summary>
    public static RouteGroupBuilder MapRunApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/{org}/{name}", RunAsync);
        return api;
    }

    private static async Task RunAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var modelId = $"{org}/{name}";
        var model = engine.Catalog.Find(modelId);
        if (model is null && context.RequestServices.GetRequiredService<ProviderProxy>().Find(org) is { } provider)
        {
            // A closed-source model: the provider's org and an id the catalog does not have (a local model wins).
            await ClosedSourceRun.RunAsync(context, provider, name, await ReadBodyAsync(context).ConfigureAwait(false)).ConfigureAwait(false);
            return;
        }

        if (model is null)
        {
            throw EngineException.NotFound($"{InferenceEngine.UnknownModelMessage}: {modelId}");
        }

        var request = RunRequestReader.Read(await ReadBodyAsync(context).ConfigureAwait(false));
        if (request.Stream == true)
        {
            var pieces = await engine.StartStreamAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
            await StreamAsync(context, pieces).ConfigureAwait(false);
            return;
        }

        var output = await engine.RunAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
        if (await FilesApi.AnswerMediaAsync(context, request, output).ConfigureAwait(false) is { } answer)
        {
            await Envelope.WriteOutputAsync(context, answer).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams text as the official clients read it: raw UTF-8 over chunked HTTP, one write and flush per piece, no
    /// framing. A failure after the first byte writes <c>Error: message</c> and ends the stream; a client that goes
    /// away cancels the generation at its next token.
    /// </summary>
    internal static async Task StreamAsync(HttpContext context, IAsyncEnumerable<string> pieces)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await using var enumerator = pieces.GetAsyncEnumerator(aborted);
        bool hasFirst;
        try
        {
            // The first piece is awaited before the headers go out, so that a failure at the start still gets a
            // status code and the envelope.
            hasFirst = await enumerator.MoveNextAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(aborted).ConfigureAwait(false);
        try
        {
            for (var more = hasFirst; more; more = await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                await WriteTextAsync(response, enumerator.Current, aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; nothing to send.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var known = e is EngineException or ProviderException;
            await WriteTextAsync(response, $"Error: {(known ? e.Message : "generation failed; the server log has the details")}", CancellationToken.None).ConfigureAwait(false);
            if (!known)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Bytez.Server.Stream");
                LogStreamFailed(logger, e, context.Request.Path);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Streaming {Path} failed after it started")]
    private static partial void LogStreamFailed(ILogger logger, Exception error, string path);

    private static async Task WriteTextAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        if (text.Length == 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        await response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run body, required.</summary>
    private static async Task<JsonElement> ReadBodyAsync(HttpContext context) =>
        await JsonBody.ReadAsync(context, Example).ConfigureAwait(false)
            ?? throw EngineException.BadInput($"The request body is empty; send a JSON object such as {Example}.");

    private const string Example = "{\"input\": \"...\"}";
}
