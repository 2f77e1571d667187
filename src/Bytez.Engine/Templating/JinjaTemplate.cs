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

    /// <summary>Parses a template.</summary>
    /// <exception cref="TemplateException">The source is malformed or uses unsupported syntax (kind <see cref="TemplateErrorKind.Syntax"/>).</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(source, Parser.Parse(source));
    }

    /// <summary>
    /// Renders the template. Values may be string, bool, integers, floating-point numbers, null, lists and other
    /// enumerables, <c>IReadOnlyDictionary&lt;string, object?&gt;</c> (or any <c>IDictionary</c>),
    /// <see cref="System.Text.Json.JsonElement"/>, and <see cref="TemplateFunction"/> for callables.
    /// </summary>
    /// <exception cref="TemplateException">Rendering failed (kind <see cref="TemplateErrorKind.Render"/>) or the template raised an error (kind <see cref="TemplateErrorKind.Raised"/>).</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var context = new RenderContext(variables);
        var output = new StringBuilder();
        Stmt.ExecAll(_body, context, output);
        return output.ToString();
    }
}
