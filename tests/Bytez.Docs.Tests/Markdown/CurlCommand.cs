using System.Text;
using System.Text.RegularExpressions;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// One <c>curl</c> command of a shell block, read as a POSIX shell reads it: backslash-newline continuations,
/// single and double quotes, <c>$NAME</c> expanded inside double quotes and bare words, <c># comments</c>. A comment
/// that starts with a status code (<c># 202 "Loading"</c>) documents the status the command answers with.
/// </summary>
/// <param name="Place">Where the command starts, <c>README.md:95</c>.</param>
/// <param name="Arguments">The arguments after <c>curl</c>, expanded.</param>
/// <param name="DocumentedStatus">The status the comment documents, if any.</param>
public sealed partial record CurlCommand(string Place, IReadOnlyList<string> Arguments, int? DocumentedStatus)
{
    /// <summary>Whether the command asks for a streamed answer (<c>"stream": true</c> in its body).</summary>
    public bool IsStream => Arguments.Any(a => StreamPattern().IsMatch(a));

    /// <summary>The command as a reader sees it, shortened.</summary>
    public override string ToString()
    {
        var text = "curl " + string.Join(' ', Arguments);
        return text.Length <= 160 ? text : text[..160] + "...";
    }

    /// <summary>
    /// The same request as an <see cref="HttpRequestMessage"/>, for machines without curl. Knows the options the
    /// documentation uses: <c>-X</c>, <c>-H</c>, <c>-d</c>/<c>--data</c> (POST unless <c>-X</c> says otherwise),
    /// <c>-N</c>, <c>-s</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">The command uses another option; teach this method or curl it.</exception>
    public HttpRequestMessage ToHttpRequest()
    {
        string? method = null, data = null, url = null;
        var headers = new List<(string Name, string Value)>();
        for (var i = 0; i < Arguments.Count; i++)
        {
            switch (Arguments[i])
            {
                case "-X" or "--request":
                    method = Arguments[++i];
                    break;
                case "-H" or "--header":
                    var header = Arguments[++i];
                    var colon = header.IndexOf(':', StringComparison.Ordinal);
                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data":
                    data = Arguments[++i];
                    break;
                case "-N" or "--no-buffer" or "-s" or "--silent":
                    break;
                case var argument when argument.StartsWith('-'):
                    throw new NotSupportedException($"{Place}: the documentation tests do not translate the curl option {argument}.");
                case var argument:
                    url = argument;
                    break;
            }
        }

        var request = new HttpRequestMessage(new HttpMethod(method ?? (data is null ? "GET" : "POST")), url);
        if (data is not null)
        {
            // curl -d sends application/x-www-form-urlencoded unless a Content-Type header says otherwise.
            request.Content = new StringContent(data, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && request.Content is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>The <c>curl</c> commands of a shell block, with <paramref name="variables"/> expanded.</summary>
    /// <exception cref="FormatException">A quote is never closed.</exception>
    public static IReadOnlyList<CurlCommand> Parse(CodeBlock block, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(variables);
        var commands = new List<CurlCommand>();
        for (var i = 0; i < block.Code.Count; i++)
        {
            var start = i;
            var logical = new StringBuilder(block.Code[i]);
            while (logical.Length > 0 && logical[^1] == '\\' && i + 1 < block.Code.Count)
            {
                logical.Length--;
                logical.Append(' ').Append(block.Code[++i]);
            }

            var place = $"{block.File}:{block.Line + start}";
            var (words, comment) = Split(logical.ToString(), variables, place);
            if (words.Count > 0 && words[0] == "curl")
            {
                var status = StatusComment().Match(comment ?? string.Empty);
                commands.Add(new CurlCommand(place, words.Skip(1).ToList(), status.Success ? int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null));
            }
        }

        return commands;
    }

    /// <summary>Splits one logical line into shell words and its trailing comment.</summary>
    private static (List<string> Words, string? Comment) Split(string line, IReadOnlyDictionary<string, string> variables, string place)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                return (words, line[(i + 1)..].Trim());
            }
            else if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"{place}: a single quote is never closed.");
                }

                word.Append(line, i + 1, end - i - 1);
                inWord = true;
                i = end;
            }
            else if (c == '"')
            {
                inWord = true;
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        word.Append(line[++i]);
                    }
                    else if (line[i] == '$')
                    {
                        i = Expand(line, i, variables, word, place);
                    }
                    else
                    {
                        word.Append(line[i]);
                    }
                }

                if (i >= line.Length)
                {
                    throw new FormatException($"{place}: a double quote is never closed.");
                }
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else if (c == '$')
            {
                i = Expand(line, i, variables, word, place);
                inWord = true;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return (words, null);
    }

    /// <summary>Appends the value of the variable at <paramref name="dollar"/> and returns the index of its last character.</summary>
    private static int Expand(string line, int dollar, IReadOnlyDictionary<string, string> variables, StringBuilder word, string place)
    {
        var match = VariablePattern().Match(line, dollar);
        if (!match.Success || match.Index != dollar)
        {
            word.Append('$');
            return dollar;
        }

        var name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
        if (!variables.TryGetValue(name, out var value))
        {
            throw new FormatException($"{place}: ${name} is not a variable the documentation tests know; add it to them.");
        }

        word.Append(value);
        return dollar + match.Length - 1;
    }

    [GeneratedRegex(@"\$(?:\{(\w+)\}|(\w+))")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^(\d{3})\b")]
    private static partial Regex StatusComment();

    [GeneratedRegex(@"""stream""\s*:\s*true")]
    private static partial Regex StreamPattern();
}
