namespace Bytez.Engine.Templating;

/// <summary>
/// A model's chat template (tokenizer_config.json <c>chat_template</c> or GGUF <c>tokenizer.chat_template</c>)
/// rendered the way transformers' <c>apply_chat_template</c> does: <c>messages</c>, <c>add_generation_prompt</c>,
/// the special tokens, <c>tools</c> and <c>documents</c> as none, and the <c>raise_exception</c> and
/// <c>strftime_now</c> functions.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>Wraps a parsed template.</summary>
    public ChatTemplate(JinjaTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        Template = template;
    }

    /// <summary>The parsed template.</summary>
    public JinjaTemplate Template { get; }

    /// <summary>The clock <c>strftime_now</c> reads (local time, as Python's <c>datetime.now()</c>); the system clock unless set.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Parses a chat template within <paramref name="limits"/> (the defaults when null).</summary>
    /// <exception cref="TemplateException">The source is malformed, uses unsupported syntax, or exceeds a limit.</exception>
    public static ChatTemplate Parse(string source, TemplateLimits? limits = null) => new(JinjaTemplate.Parse(source, limits));

    /// <summary>Parses and renders a chat template in one call.</summary>
    /// <exception cref="TemplateException">Parsing or rendering failed, or the template raised an error.</exception>
    public static string Render(
        string source,
        IReadOnlyList<IReadOnlyDictionary<string, object?>> messages,
        bool addGenerationPrompt,
        string? bosToken = null,
        string? eosToken = null,
        IReadOnlyDictionary<string, object?>? extraVariables = null)
        => Parse(source).Render(messages, addGenerationPrompt, bosToken, eosToken, extraVariables);

    /// <summary>
    /// Renders the conversation. A null <paramref name="bosToken"/> or <paramref name="eosToken"/> is left undefined
    /// (as transformers leaves a token the tokenizer lacks). <paramref name="extraVariables"/> adds or overrides
    /// variables: <c>tools</c> (a list of JSON schemas), <c>documents</c>, <c>date_string</c> (undefined unless given,
    /// so templates fall back to their own default as with transformers), other special tokens, template kwargs.
    /// </summary>
    /// <remarks>The render stays within <paramref name="limits"/> (the defaults when null) and stops soon after <paramref name="cancellationToken"/> is canceled.</remarks>
    /// <exception cref="TemplateException">Rendering failed, the template raised an error with <c>raise_exception</c> (kind <see cref="TemplateErrorKind.Raised"/>), or exceeded a limit (kind <see cref="TemplateErrorKind.Limit"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public string Render(
        IReadOnlyList<IReadOnlyDictionary<string, object?>> messages,
        bool addGenerationPrompt,
        string? bosToken = null,
        string? eosToken = null,
        IReadOnlyDictionary<string, object?>? extraVariables = null,
        TemplateLimits? limits = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
            ["raise_exception"] = RaiseException,
            ["strftime_now"] = (TemplateFunction)StrftimeNow,
        };
        if (bosToken is not null)
        {
            variables["bos_token"] = bosToken;
        }

        if (eosToken is not null)
        {
            variables["eos_token"] = eosToken;
        }

        if (extraVariables is not null)
        {
            foreach (var (k, v) in extraVariables)
            {
                variables[k] = v;
            }
        }

        return Template.Render(variables, limits, cancellationToken);
    }

    private static readonly TemplateFunction RaiseException = (args, kwargs) =>
        throw new TemplateException(
            TemplateErrorKind.Raised,
            args.Count > 0 ? Py.Str(args[0]) : kwargs.TryGetValue("message", out var m) ? Py.Str(m) : "raise_exception was called");

    private object? StrftimeNow(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        var format = args.Count > 0 ? args[0] : kwargs.GetValueOrDefault("format");
        if (format is not string f)
        {
            throw new TemplateException(TemplateErrorKind.Render, "strftime_now expects a format string");
        }

        return Ops.Strftime(TimeProvider.GetLocalNow(), f);
    }
}
