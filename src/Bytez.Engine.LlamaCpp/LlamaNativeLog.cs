using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// Routes llama.cpp's own log to an <see cref="ILogger"/> (errors at Warning, the rest at Debug) and lets a load
/// capture the errors it caused, so a failure can say why. Installed once per process, before the first native call.
/// </summary>
internal static partial class LlamaNativeLog
{
    private static readonly Lock Gate = new();
    private static readonly NativeLogConfig.LLamaLogCallback Callback = OnLog;
    private static ILogger? _logger;
    private static bool _installed;

    [ThreadStatic]
    private static StringBuilder? _pending;

    [ThreadStatic]
    private static LLamaLogLevel _pendingLevel;

    [ThreadStatic]
    private static List<string>? _capture;

    /// <summary>Installs the callback (first call) and makes <paramref name="logger"/> the sink when given.</summary>
    public static void Install(ILogger? logger)
    {
        lock (Gate)
        {
            if (logger is not null)
            {
                _logger = logger;
            }

            if (!_installed)
            {
                NativeLogConfig.llama_log_set(Callback);
                _installed = true;
            }
        }
    }

    /// <summary>Collects the error and warning lines llama.cpp logs on this thread until disposed.</summary>
    public static Capture StartCapture() => new();

    private static void OnLog(LLamaLogLevel level, string message)
    {
        _pending ??= new StringBuilder();
        if (level != LLamaLogLevel.Continue)
        {
            if (_pending.Length > 0)
            {
                Flush();
            }

            _pendingLevel = level;
        }

        _pending.Append(message);
        if (message.EndsWith('\n'))
        {
            Flush();
        }
    }

    private static void Flush()
    {
        string line = _pending!.ToString().TrimEnd();
        _pending.Clear();
        if (line.Length == 0)
        {
            return;
        }

        if (_pendingLevel >= LLamaLogLevel.Warning && _pendingLevel != LLamaLogLevel.Continue)
        {
            _capture?.Add(line);
        }

        ILogger? logger = _logger;
        if (logger is null)
        {
            return;
        }

        if (_pendingLevel == LLamaLogLevel.Error)
        {
            LogNativeError(logger, line);
        }
        else
        {
            LogNative(logger, line);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "llama.cpp: {Line}")]
    private static partial void LogNative(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "llama.cpp error: {Line}")]
    private static partial void LogNativeError(ILogger logger, string line);

    /// <summary>The lines captured on one thread while a model loads.</summary>
    internal sealed class Capture : IDisposable
    {
        private readonly List<string>? _outer;

        public Capture()
        {
            _outer = _capture;
            _capture = Lines;
        }

        /// <summary>The error and warning lines seen so far.</summary>
        public List<string> Lines { get; } = [];

        /// <summary>The reason to show for a failure: the errors, else the last warnings.</summary>
        public string Reason()
        {
            if (_pending is { Length: > 0 })
            {
                Flush();
            }

            var errors = Lines.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToList();
            var chosen = errors.Count > 0 ? errors : Lines.TakeLast(3).ToList();
            return chosen.Count == 0 ? "llama.cpp gave no reason" : string.Join(" | ", chosen.Distinct());
        }

        public void Dispose() => _capture = _outer;
    }
}
