using System.Text.RegularExpressions;

namespace Bytez.Protocol;

/// <summary>Model ids: <c>org/name</c> with letters, digits, <c>.</c>, <c>_</c> and <c>-</c> (the Hugging Face hub's rule).</summary>
public static partial class ModelIds
{
    /// <summary>
    /// Whether an id is a valid <c>org/name</c> model id: two parts of 1 to 96 characters from letters, digits,
    /// <c>.</c>, <c>_</c>, <c>-</c>, each starting with a letter or digit, and no <c>..</c> anywhere. Such an id is safe as
    /// a relative path and in a URL.
    /// </summary>
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>What a valid id looks like, for error messages.</summary>
    public const string Rule = "org/name with letters, digits, '.', '_' and '-' (each part starting with a letter or digit, no '..')";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex Pattern();
}
