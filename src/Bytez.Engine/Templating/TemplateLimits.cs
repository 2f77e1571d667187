using System.Globalization;

namespace Bytez.Engine.Templating;

/// <summary>
/// Bounds on parsing and rendering a template, which is untrusted input (a chat template comes from whatever
/// repository a user asks for). Every allocation a template controls is checked against them before it is made,
/// so a hostile template ends in a <see cref="TemplateException"/> of kind <see cref="TemplateErrorKind.Limit"/>
/// instead of a stuck core, an out-of-memory crash or a stack overflow. Bound from the section <c>Bytez:Templates</c>.
/// </summary>
public sealed class TemplateLimits
{
    /// <summary>The configuration section these limits are bound from.</summary>
    public const string Section = "Bytez:Templates";

    /// <summary>
    /// The most steps one render may take: a step is a statement executed, a loop iteration, an item a filter or
    /// method walks through, a call. Default 1,000,000 (a 1,000-message conversation takes about 50,000 with the
    /// common templates).
    /// </summary>
    public long MaxSteps { get; set; } = 1_000_000;

    /// <summary>
    /// The most characters a render may produce, and the most characters (or items) one value it builds may hold.
    /// Default 1 Mi (1,048,576). Chat prompts get this on top of twice the characters of the conversation.
    /// </summary>
    public int MaxOutputChars { get; set; } = 1 << 20;

    /// <summary>
    /// The deepest nesting of blocks and parentheses in the source, of macro calls while rendering, and of values
    /// printed or compared. Default 100 (real templates nest fewer than 15 deep).
    /// </summary>
    public int MaxDepth { get; set; } = 100;

    /// <summary>The longest template source accepted, in characters. Default 1 Mi (real chat templates are under 64 Ki).</summary>
    public int MaxSourceChars { get; set; } = 1 << 20;

    /// <summary>The wall-clock time one render may take. Default 5 seconds (real templates render in milliseconds).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws when a limit is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is zero, negative or too large.</exception>
    public void Validate()
    {
        if (MaxSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "MaxSteps must be at least 1.");
        }

        if (MaxOutputChars < 1 || MaxSourceChars < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxOutputChars), "MaxOutputChars and MaxSourceChars must be at least 1.");
        }

        if (MaxDepth is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "MaxDepth must be from 1 to 1000.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be positive.");
        }
    }

    /// <summary>The name of the option that raises <paramref name="limit"/>, as in configuration (<c>MaxSteps</c>).</summary>
    public static string OptionName(TemplateLimit limit) => limit switch
    {
        TemplateLimit.Steps => nameof(MaxSteps),
        TemplateLimit.OutputSize => nameof(MaxOutputChars),
        TemplateLimit.Depth => nameof(MaxDepth),
        TemplateLimit.SourceSize => nameof(MaxSourceChars),
        _ => nameof(Timeout),
    };

    /// <summary>
    /// Says which limit a template exceeded and its value, e.g. "step budget (1,000,000 steps)", with
    /// <paramref name="option"/> (the setting that raises it) in the parentheses when given.
    /// </summary>
    public static string Describe(TemplateLimit limit, long value, string? option = null)
    {
        var (what, unit) = limit switch
        {
            TemplateLimit.Steps => ("step budget", "steps"),
            TemplateLimit.OutputSize => ("size limit", "characters or items"),
            TemplateLimit.Depth => ("nesting limit", "levels"),
            TemplateLimit.SourceSize => ("source size limit", "characters"),
            _ => ("time limit", "ms"),
        };
        var suffix = option is null ? string.Empty : "; " + option;
        return string.Create(CultureInfo.InvariantCulture, $"{what} ({value:N0} {unit}{suffix})");
    }
}

/// <summary>Which of the <see cref="TemplateLimits"/> a template exceeded.</summary>
public enum TemplateLimit
{
    /// <summary><see cref="TemplateLimits.MaxSteps"/>.</summary>
    Steps,

    /// <summary><see cref="TemplateLimits.MaxOutputChars"/>.</summary>
    OutputSize,

    /// <summary><see cref="TemplateLimits.MaxDepth"/>.</summary>
    Depth,

    /// <summary><see cref="TemplateLimits.MaxSourceChars"/>.</summary>
    SourceSize,

    /// <summary><see cref="TemplateLimits.Timeout"/>.</summary>
    Time,
}
