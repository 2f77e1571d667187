using System.Text;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// zero-shot's <c>hypothesis_template</c>, filled as Python's <c>str.format(label)</c>: <c>{}</c> or <c>{0}</c> is the
/// label, <c>{{</c> and <c>}}</c> are braces. Other fields (<c>{1}</c>, <c>{name}</c>, format specs) and stray braces
/// fail in Python; here they are a 400 naming what is expected.
/// </summary>
public static class HypothesisTemplate
{
    /// <summary>The pipeline's default template.</summary>
    public const string Default = "This example is {}.";

    /// <summary>
    /// Checks a template as the pipeline does: formatting it with the first label must change it (so it has a field),
    /// and it must be a template Python can format with one argument.
    /// </summary>
    public static void Validate(string template, string firstLabel)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(firstLabel);
        if (Format(template, firstLabel) == template)
        {
            throw EngineException.BadInput(
                $"Parameter `hypothesis_template` (\"{template}\") could not be formatted with the candidate labels; it must contain {{}} where the label goes.");
        }
    }

    /// <summary>The hypothesis for one label: the template with each field replaced by it.</summary>
    public static string Format(string template, string label)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(label);
        var result = new StringBuilder(template.Length + label.Length);
        bool? automatic = null;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{')
            {
                if (i + 1 < template.Length && template[i + 1] == '{')
                {
                    result.Append('{');
                    i++;
                    continue;
                }

                var close = template.IndexOf('}', i + 1);
                if (close < 0)
                {
                    throw Bad(template, "a '{' is not closed");
                }

                var field = template[(i + 1)..close];
                var isAutomatic = field.Length == 0;
                if (!isAutomatic && field != "0")
                {
                    throw Bad(template, $"the field {{{field}}} is not supported (only {{}} or {{0}})");
                }

                if (automatic is { } mode && mode != isAutomatic)
                {
                    throw Bad(template, "it mixes {} and {0}");
                }

                if (isAutomatic && automatic == true)
                {
                    throw Bad(template, "it has more than one {} (there is one label)");
                }

                automatic = isAutomatic;
                result.Append(label);
                i = close;
            }
            else if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    result.Append('}');
                    i++;
                    continue;
                }

                throw Bad(template, "a single '}' is not allowed (write }} for a brace)");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static EngineException Bad(string template, string why) =>
        EngineException.BadInput($"Parameter `hypothesis_template` (\"{template}\") cannot be formatted: {why}.");
}
