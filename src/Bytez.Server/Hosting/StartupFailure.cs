using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Bytez.Server.Hosting;

/// <summary>
/// Turns a failure to start into one line naming the cause and the fix (for standard error); the exception with its
/// stack trace goes to the log at Debug only.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>The exit code of a server that could not start.</summary>
    public const int ExitCode = 1;

    /// <summary>Category of the host's own log, which reports a failed start with the full stack trace at Error.</summary>
    internal const string HostLogCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private const string SeeHelp = "see --help for every option";

    /// <summary>The one-line message for a failure to start.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var e in Chain(exception))
        {
            switch (e)
            {
                case StartupException:
                    return OneLine(e.Message);
                case IOException when AddressInUse().Match(e.Message) is { Success: true } match:
                    return $"listen {match.Groups[1].Value}: address already in use. Stop the other server on that port, or set --urls (or ASPNETCORE_URLS) to another port, for example --urls http://localhost:8081.";
                case IOException when BindFailed().Match(e.Message) is { Success: true } match && e.InnerException is SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return $"listen {match.Groups[1].Value}: permission denied. Ports below 1024 need privileges: set --urls (or ASPNETCORE_URLS) to a higher port, for example --urls http://localhost:8080.";
                case IOException when BindFailed().Match(e.Message) is { Success: true } match:
                    return $"listen {match.Groups[1].Value}: {OneLine(e.InnerException?.Message ?? e.Message).TrimEnd('.')}. Check the address in --urls (or ASPNETCORE_URLS).";
                case Exception when InvalidUrl().Match(e.Message) is { Success: true } match:
                    return $"Invalid setting: --urls (or ASPNETCORE_URLS) has '{match.Groups[1].Value}', which is not an address to listen on. Use scheme://host:port, for example --urls http://localhost:8080.";
                case InvalidOperationException when ConversionFailed().Match(e.Message) is { Success: true } match:
                    return BadValue(match.Groups[2].Value, match.Groups[3].Value, match.Groups[1].Success ? match.Groups[1].Value : null);
            }
        }

        foreach (var e in Chain(exception))
        {
            if (e is ArgumentException argument)
            {
                var message = argument.ParamName is { } name
                    ? OneLine(argument.Message).Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
                    : OneLine(argument.Message);
                return $"Invalid setting: {message.TrimEnd('.')}. Fix it or remove it to use the default; {SeeHelp}.";
            }

            if (e is InvalidOperationException && e.Message.StartsWith("Bytez:", StringComparison.Ordinal))
            {
                return $"Invalid setting: {OneLine(e.Message).TrimEnd('.')}; {SeeHelp}.";
            }
        }

        return $"The server could not start: {OneLine(exception.Message).TrimEnd('.')}. Run with --Logging:LogLevel:Default=Debug for the details.";
    }

    /// <summary>
    /// Writes the one line to <paramref name="error"/> and the exception to <paramref name="logger"/> at Debug;
    /// returns <see cref="ExitCode"/>.
    /// </summary>
    public static int Report(Exception exception, TextWriter error, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(logger);
        var message = Describe(exception);
        LogFailed(logger, message, exception);
        error.WriteLine(message);
        return ExitCode;
    }

    /// <summary>
    /// Keeps the host's own report of a failed start (the full stack trace, at Error) off the console until the server
    /// has started, since <see cref="Report"/> says it in one line and logs the trace at Debug; the host's other
    /// messages pass at the level configured for its category.
    /// </summary>
    internal static void QuietHostFailure(ILoggingBuilder logging, IConfiguration configuration, Func<bool> started)
    {
        var minimum = ConfiguredLevel(configuration, HostLogCategory);
        logging.AddFilter(HostLogCategory, level => level >= minimum && (level < LogLevel.Error || started()));
    }

    // The level the Logging:LogLevel section gives a category: its longest configured prefix, else Default, else Information.
    private static LogLevel ConfiguredLevel(IConfiguration configuration, string category)
    {
        for (var name = category; name.Length > 0; name = name.LastIndexOf('.') is var dot and > 0 ? name[..dot] : "")
        {
            if (Enum.TryParse<LogLevel>(configuration[$"Logging:LogLevel:{name}"], ignoreCase: true, out var level))
            {
                return level;
            }
        }

        return Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var fallback) ? fallback : LogLevel.Information;
    }

    private static string BadValue(string key, string type, string? value)
    {
        var kind = type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:00:30",
            _ => $"a {type.Split('.')[^1]}",
        };
        var variable = ServerOptionTable.Find(key)?.Variable ?? ServerOptionTable.Env(key);
        var got = value is null ? "" : $", not '{value}'";
        return $"Invalid setting: {key} must be {kind}{got}. Fix --{key} (or the environment variable {variable}) or remove it to use the default; {SeeHelp}.";
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }

                yield break;
            }

            yield return e;
        }
    }

    private static string OneLine(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is [var first, ..] ? first : text.Trim();

    [GeneratedRegex(@"address (\S+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex AddressInUse();

    [GeneratedRegex(@"bind to address (\S+?):? ", RegexOptions.IgnoreCase)]
    private static partial Regex BindFailed();

    [GeneratedRegex(@"^Invalid url: '([^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex InvalidUrl();

    [GeneratedRegex(@"configuration value (?:'([^']*)' )?at '([^']+)' to type '([^']+)'")]
    private static partial Regex ConversionFailed();

    [LoggerMessage(Level = LogLevel.Debug, Message = "The server could not start: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason, Exception exception);
}
