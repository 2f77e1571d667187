using Bytez.Engine;
using Bytez.Hub;
using Microsoft.AspNetCore.Diagnostics;

namespace Bytez.Server.Apis;

/// <summary>
/// The one place that turns failures into status codes and the envelope. Nothing a client sends may become a 500:
/// engine errors carry their kind, and ASP.NET's own request errors (body too large, bad framing) keep theirs.
/// </summary>
public static partial class ErrorMapping
{
    /// <summary>The status code of an engine error kind.</summary>
    public static int StatusCode(EngineErrorKind kind) => kind switch
    {
        EngineErrorKind.BadInput => StatusCodes.Status400BadRequest,
        EngineErrorKind.NotSupported => StatusCodes.Status400BadRequest,
        EngineErrorKind.NotFound => StatusCodes.Status404NotFound,
        EngineErrorKind.Overloaded => StatusCodes.Status429TooManyRequests,
        EngineErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        EngineErrorKind.Conflict => StatusCodes.Status409Conflict,
        EngineErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        EngineErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        EngineErrorKind.TimedOut => StatusCodes.Status504GatewayTimeout,
        EngineErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status code of a hub error kind (a model request the server refuses at once).</summary>
    public static int StatusCode(HubErrorKind kind) => kind switch
    {
        HubErrorKind.Invalid => StatusCodes.Status400BadRequest,
        HubErrorKind.Unsupported => StatusCodes.Status400BadRequest,
        HubErrorKind.NotFound => StatusCodes.Status404NotFound,
        HubErrorKind.Unauthorized => StatusCodes.Status403Forbidden,
        HubErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        HubErrorKind.Integrity => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>Installs the handlers: exceptions and bare status codes (404, 405, 415) become envelopes.</summary>
    public static WebApplication UseBytezErrors(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = HandleExceptionAsync,
            // The handler logs each failure itself, at a level that fits it (see HandleExceptionAsync).
            SuppressDiagnosticsCallback = static _ => true,
        });
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var message = http.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound when Anthropic.AnthropicApi.IsAnthropicPath(http.Request.Path) =>
                    $"Not found: {http.Request.Method} {http.Request.Path}. The Anthropic-compatible API serves POST {http.Request.PathBase}{Anthropic.AnthropicApi.MessagesPath} and {Anthropic.AnthropicApi.MessagesPath}/count_tokens, also under {Anthropic.AnthropicApi.BytezPrefix}/.",
                StatusCodes.Status404NotFound when OpenAi.OpenAiApi.IsOpenAiPath(http.Request.Path) =>
                    $"Not found: {http.Request.Method} {http.Request.Path}. The OpenAI-compatible API serves models under {http.Request.PathBase}{OpenAi.OpenAiApi.Prefix}/ and {OpenAi.OpenAiApi.BytezPrefix}/.",
                StatusCodes.Status404NotFound => $"Not found: {http.Request.Method} {http.Request.Path}. The API lives under /models/v2/ (list/models, list/tasks, {{org}}/{{model}}).",
                StatusCodes.Status405MethodNotAllowed => $"Method {http.Request.Method} is not allowed on {http.Request.Path}.",
                _ => ReasonPhrase(http.Response.StatusCode),
            };
            return Envelope.WriteErrorAsync(http, http.Response.StatusCode, message);
        });
        return app;
    }

    /// <summary>
    /// Answers a failure in the envelope and logs it: a client's error (4xx) at Information without a stack trace, a
    /// known server-side refusal (502-504, such as a hub that cannot be reached) at Warning without one, and anything
    /// else, a bug, as 500 at Error with the stack trace.
    /// </summary>
    private static Task HandleExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask; // the client left; nobody to answer
        }

        var (status, message) = error switch
        {
            EngineException engine => (StatusCode(engine.Kind), engine.Message),
            HubException hub => (StatusCode(hub.Kind), hub.Message),
            Providers.ProviderException provider => (provider.StatusCode, provider.Message),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error; the server log has the details."),
        };
        message = Bound(message);

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Bytez.Server.Errors");
        var method = context.Request.Method;
        var path = context.Request.Path.ToString();
        if (status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, error, method, path);
        }
        else if (status >= 500)
        {
            LogRefused(logger, method, path, status, message);
        }
        else
        {
            LogClientError(logger, method, path, status, message);
        }

        var retryAfter = error switch
        {
            EngineException engine => engine.RetryAfter,
            Providers.ProviderException provider => provider.RetryAfter,
            _ => null,
        };
        if (retryAfter is { } wait && !context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Envelope.WriteErrorAsync(context, status, message);
    }

    /// <summary>The longest error message sent or logged: messages may quote what the client sent.</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>The message cut to <see cref="MaxMessageLength"/> characters, as it is sent and logged.</summary>
    public static string Bound(string message) =>
        message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, MaxMessageLength), "... (cut)");

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? error, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {Message}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} answered {Status}: {Message}")]
    private static partial void LogClientError(ILogger logger, string method, string path, int status, string message);
}
