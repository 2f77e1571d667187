using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// The one set of readers for the values of a request: its <c>params</c> and its input fields. Every reader refuses a
/// wrong value with <see cref="EngineErrorKind.BadInput"/> naming the parameter, what it must be, and what was sent
/// (described by <see cref="Describe"/>, the one way to show a bad value).
/// </summary>
public static class Arguments
{
    private const int ShownStringLength = 40;

    /// <summary>
    /// Describes a value for an error message: its kind, with the value itself for scalars (<c>a number (42)</c>,
    /// <c>a string ("yes")</c>, <c>a boolean (true)</c>), and <c>a list</c>, <c>an object</c>, <c>null</c>, <c>nothing</c>.
    /// Long strings are cut.
    /// </summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => $"a number ({value.GetRawText()})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({value.GetRawText()})",
        JsonValueKind.String => $"a string ({Quote(value.GetString()!)})",
        JsonValueKind.Array => value.GetArrayLength() == 0 ? "an empty list" : "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>
    /// The properties of a request's <c>params</c>: none when it is absent or null; each name must be one of
    /// <paramref name="supported"/> (else refused by <see cref="UnknownParameter"/>).
    /// </summary>
    /// <param name="parameters">The request's <c>params</c>.</param>
    /// <param name="supported">The parameter names the task reads.</param>
    /// <param name="what">What reads them, for the messages (a task name).</param>
    /// <exception cref="EngineException"><c>params</c> is not an object, or names an unknown parameter (BadInput).</exception>
    public static IReadOnlyList<JsonProperty> Parameters(JsonElement? parameters, IReadOnlyCollection<string> supported, string what)
    {
        ArgumentNullException.ThrowIfNull(supported);
        if (parameters is not { } p || p.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return [];
        }

        if (p.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"`params` must be an object; got {Describe(p)}.");
        }

        var properties = new List<JsonProperty>();
        foreach (var property in p.EnumerateObject())
        {
            if (!supported.Contains(property.Name))
            {
                throw UnknownParameter(property.Name, what, supported);
            }

            properties.Add(property);
        }

        return properties;
    }

    /// <summary>The refusal of a parameter a task does not read, naming the ones it does.</summary>
    public static EngineException UnknownParameter(string name, string what, IEnumerable<string> supported) =>
        EngineException.BadInput($"Unknown parameter `{name}` for {what}; supported parameters: {string.Join(", ", supported ?? [])}.");

    /// <summary>A boolean; <see langword="null"/> for JSON null.</summary>
    /// <exception cref="EngineException">Neither true, false nor null (BadInput).</exception>
    public static bool? Bool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => throw Bad(name, "true or false", value),
    };

    /// <summary>A string; <see langword="null"/> for JSON null.</summary>
    /// <exception cref="EngineException">Neither a string nor null (BadInput).</exception>
    public static string? String(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Bad(name, "a string", value),
    };

    /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/> (a whole number written as <c>2.0</c> counts).</summary>
    /// <exception cref="EngineException">Not an integer, or out of range (BadInput).</exception>
    public static int Int(JsonElement value, string name, int min = int.MinValue, int max = int.MaxValue)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l) && l >= min && l <= max)
        {
            return (int)l;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d == Math.Floor(d) && d >= min && d <= max)
        {
            return (int)d;
        }

        var range = (min, max) switch
        {
            (int.MinValue, int.MaxValue) => "an integer",
            (_, int.MaxValue) => $"an integer >= {min}",
            (int.MinValue, _) => $"an integer <= {max}",
            _ => $"an integer from {min} to {max}",
        };
        throw Bad(name, range, value);
    }

    /// <summary>A 64-bit integer.</summary>
    /// <exception cref="EngineException">Not an integer (BadInput).</exception>
    public static long Long(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l) ? l : throw Bad(name, "an integer", value);

    /// <summary>
    /// A finite number in a range: above <paramref name="min"/> (or equal to it unless <paramref name="minExclusive"/>)
    /// and at most <paramref name="max"/>; <paramref name="rangeText"/> says the range in the message (<c>in (0, 1]</c>).
    /// </summary>
    /// <exception cref="EngineException">Not a number, or out of range (BadInput).</exception>
    public static double Number(JsonElement value, string name, double min, double max, bool minExclusive, string rangeText)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)
            && (minExclusive ? d > min : d >= min) && d <= max)
        {
            return d;
        }

        throw Bad(name, $"a number {rangeText}", value);
    }

    /// <summary>One string or a list of strings, as a list.</summary>
    /// <exception cref="EngineException">Anything else (BadInput).</exception>
    public static List<string> StringOrList(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            return value.EnumerateArray().Select(e => e.GetString()!).ToList();
        }

        throw Bad(name, "a string or a list of strings", value);
    }

    /// <summary>
    /// A non-empty list of strings of at most <see cref="RequestLimitsOptions.MaxItems"/> of <paramref name="limits"/>
    /// (more is refused with TooLarge); <paramref name="what"/> names the reader in messages (a task).
    /// </summary>
    /// <exception cref="EngineException">Not a list of strings, empty (BadInput), or too long (TooLarge).</exception>
    public static List<string> StringList(JsonElement value, string name, string what, RequestLimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"{what} expects `{name}` as a list of strings; got {Describe(value)}.");
        }

        var count = value.GetArrayLength();
        if (count == 0)
        {
            throw EngineException.BadInput($"{what} expects `{name}` as a non-empty list of strings; got an empty list.");
        }

        if (count > limits.MaxItems)
        {
            throw limits.TooManyItems($"texts in `{name}`", count);
        }

        var texts = new List<string>(count);
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw EngineException.BadInput($"{what} expects `{name}` as a list of strings; item {i} is {Describe(item)}.");
            }

            texts.Add(item.GetString()!);
            i++;
        }

        return texts;
    }

    /// <summary>
    /// The texts of a request whose input is one text or a list of them: <c>input</c> as a string or a list of strings
    /// (see <see cref="StringList"/>), else <c>text</c>; <c>Single</c> says whether one text was sent (the answer is
    /// then not wrapped in a list). <paramref name="expected"/> says what is expected, in the refusals.
    /// </summary>
    /// <exception cref="EngineException">Neither field, or another kind of value (BadInput); too many texts (TooLarge).</exception>
    public static (IReadOnlyList<string> Texts, bool Single) Texts(
        RunRequest request, string task, RequestLimitsOptions limits, string expected = "a string or a list of strings")
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } input)
        {
            return input.ValueKind switch
            {
                JsonValueKind.String => ([input.GetString()!], true),
                JsonValueKind.Array => (StringList(input, "input", task, limits), false),
                _ => throw EngineException.BadInput($"{task} expects `input` (or `text`) as {expected}; got {Describe(input)}."),
            };
        }

        return request.Text is { } text
            ? ([text], true)
            : throw EngineException.BadInput($"{task} expects `text` (or `input`) as {expected}; got nothing.");
    }

    /// <summary>The refusal of a parameter's value: <c>Parameter `name` must be {expected}; got {value}.</c></summary>
    public static EngineException Bad(string name, string expected, JsonElement value) =>
        EngineException.BadInput($"Parameter `{name}` must be {expected}; got {Describe(value)}.");

    private static string Quote(string text)
    {
        if (text.Length <= ShownStringLength)
        {
            return "\"" + text + "\"";
        }

        var cut = char.IsHighSurrogate(text[ShownStringLength - 1]) ? ShownStringLength - 1 : ShownStringLength; // never half a pair
        return "\"" + text[..cut] + "…\"";
    }
}
