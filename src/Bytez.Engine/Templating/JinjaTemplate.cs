using System.Text;

namespace Bytez.Engine.Templating;

/// <summary>
/// A Jinja2 template, parsed once and rendered many times, with the semantics transformers uses for chat templates:
/// trim_blocks and lstrip_blocks on, autoescape off, loop controls, the immutable sandbox (no <c>append</c>), and
/// Jinja2's default <c>Undefined</c>. Thread-safe: one parsed template may render on many threads at once.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Stmt> _body;

    private JinjaTemplate(string source, List<Stmt> body)
    {
        Source = source;
        _body = body;
    }

    /// <summary>The template source as given.</summary>
    public string Source { get; }

    /// <summary>Parses a template within <paramref name="limits"/> (source size and nesting depth; the defaults when null).</summary>
    /// <exception cref="TemplateException">The source is malformed or uses unsupported syntax (kind <see cref="TemplateErrorKind.Syntax"/>), or is too large or too deeply nested (kind <see cref="TemplateErrorKind.Limit"/>).</exception>
    public static JinjaTemplate Parse(string source, TemplateLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        limits ??= new TemplateLimits();
        if (source.Length > limits.MaxSourceChars)
        {
            throw new TemplateException(TemplateLimit.SourceSize, limits.MaxSourceChars);
        }

        return new JinjaTemplate(source, Parser.Parse(source, limits.MaxDepth));
    }

    /// <summary>
    /// Renders the template. Values may be string, bool, integers, floating-point numbers, null, lists and other
    /// enumerables, <c>IReadOnlyDictionary&lt;string, object?&gt;</c> (or any <c>IDictionary</c>),
    /// <see cref="System.Text.Json.JsonElement"/>, and <see cref="TemplateFunction"/> for callables.
    /// </summary>
    /// <remarks>
    /// The render stays within <paramref name="limits"/> (the defaults when null): steps, characters, nesting and
    /// time; it checks <paramref name="cancellationToken"/> every few dozen steps.
    /// </remarks>
    /// <exception cref="TemplateException">Rendering failed (kind <see cref="TemplateErrorKind.Render"/>), the template raised an error (kind <see cref="TemplateErrorKind.Raised"/>) or exceeded a limit (kind <see cref="TemplateErrorKind.Limit"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, TemplateLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var budget = new RenderBudget(limits ?? new TemplateLimits(), cancellationToken);
        using var scope = budget.Enter();
        var context = new RenderContext(variables, budget);
        var output = new StringBuilder();
        Stmt.ExecAll(_body, context, output);
        return output.ToString();
    }
}
