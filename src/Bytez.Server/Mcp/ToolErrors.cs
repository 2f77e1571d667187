using System.Globalization;
using Bytez.Engine;
using Bytez.Hub;
using Bytez.Server.Apis;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Mcp;

/// <summary>
/// Turns a failed tool call into an MCP tool error (<c>isError: true</c>, one text block) that a model can read and act
/// on: the status the Bytez route would answer (<see cref="ErrorMapping"/>, the one place that picks it) and its
/// message, such as <c>404 Not Found: Model does not exist ...</c>. A bug is logged and answered without its details.
/// </summary>
public static partial class ToolErrors
{
    /// <summary>The tool error for <paramref name="error"/>, logged as the Bytez routes log it.</summary>
    public static CallToolResult Result(Exception error, string tool, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(logger);
        var (status, message) = error switch
        {
            EngineException engine => (ErrorMapping.StatusCode(engine.Kind), engine.Message),
            HubException hub => (ErrorMapping.StatusCode(hub.Kind), hub.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error; the server log has the details."),
        };
        message = ErrorMapping.Bound(message);
        if (status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, error, tool);
        }
        else
        {
            LogRefused(logger, tool, status, message);
        }

        if (error is EngineException { RetryAfter: { } retryAfter })
        {
            message += string.Create(CultureInfo.InvariantCulture, $" Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.");
        }

        return Text(status, message);
    }

    private static CallToolResult Text(int status, string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"{status} {ReasonPhrases.GetReasonPhrase(status)}: {message}" }],
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in the MCP tool {Tool}")]
    private static partial void LogUnhandled(ILogger logger, Exception error, string tool);

    [LoggerMessage(Level = LogLevel.Information, Message = "The MCP tool {Tool} answered {Status}: {Message}")]
    private static partial void LogRefused(ILogger logger, string tool, int status, string message);
}
