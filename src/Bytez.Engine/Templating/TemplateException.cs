namespace Bytez.Engine.Templating;

/// <summary>What kind of failure a <see cref="TemplateException"/> reports.</summary>
public enum TemplateErrorKind
{
    /// <summary>The template source is malformed or uses syntax this engine does not support (found at parse time).</summary>
    Syntax,

    /// <summary>Rendering failed: an undefined value was used, a type did not fit an operation, and the like.</summary>
    Render,

    /// <summary>The template itself raised the error through <c>raise_exception(message)</c>; the message is the template's.</summary>
    Raised,

    /// <summary>The template exceeded one of its <see cref="TemplateLimits"/> (<see cref="TemplateException.Limit"/> says which).</summary>
    Limit,
}

/// <summary>A template failed to parse or to render.</summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates an exception whose message is <paramref name="reason"/>, followed by the position when one is known.</summary>
    public TemplateException(TemplateErrorKind kind, string reason, int line = 0, int column = 0, Exception? inner = null)
        : base(line > 0 ? $"{reason} at line {line}, column {column}" : reason, inner)
    {
        Kind = kind;
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>Creates the exception for a template that exceeded <paramref name="limit"/>, whose value was <paramref name="value"/>.</summary>
    public TemplateException(TemplateLimit limit, long value)
        : this(TemplateErrorKind.Limit, "the template exceeded its " + TemplateLimits.Describe(limit, value))
    {
        Limit = limit;
        LimitValue = value;
    }

    /// <summary>The limit exceeded, when <see cref="Kind"/> is <see cref="TemplateErrorKind.Limit"/>.</summary>
    public TemplateLimit? Limit { get; }

    /// <summary>The value of the limit exceeded (steps, characters, levels or milliseconds).</summary>
    public long LimitValue { get; }

    /// <summary>What kind of failure this is.</summary>
    public TemplateErrorKind Kind { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line in the template source, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The 1-based column in the template source, or 0 when unknown.</summary>
    public int Column { get; }
}

/// <summary>
/// A function a template can call, passed to <see cref="JinjaTemplate.Render"/> as a variable value
/// (as transformers passes <c>raise_exception</c> and <c>strftime_now</c>).
/// </summary>
/// <param name="args">The positional arguments, as template values.</param>
/// <param name="kwargs">The keyword arguments, as template values.</param>
/// <returns>The result, a template value (string, bool, long, double, null, list, dictionary).</returns>
public delegate object? TemplateFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);
