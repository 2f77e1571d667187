using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Bytez.Engine;
using Microsoft.AspNetCore.Http.Features;

namespace Bytez.Server.Apis;

/// <summary>
/// The one reader of JSON request bodies, for every route. It reads the body (Kestrel bounds its size), parses it
/// (nesting up to <see cref="MaxDepth"/>), and checks that every string and property name is well-formed Unicode:
/// valid UTF-8 bytes, and no lone UTF-16 surrogate in a <c>\u</c> escape. A body that fails gets a 400 naming the
/// field, so that everything past this point may call <see cref="JsonElement.GetString"/> safely.
/// </summary>
public static class JsonBody
{
    /// <summary>The deepest nesting of arrays and objects a body may have.</summary>
    public const int MaxDepth = 64;

    private const int MaxPathLength = 120;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Reads a body that must be a JSON object (the OpenAI-compatible routes): empty or another JSON value is a 400
    /// saying what was expected, with <paramref name="example"/>.
    /// </summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpContext context, string example)
    {
        var body = await ReadAsync(context, example).ConfigureAwait(false)
            ?? throw EngineException.BadInput($"The request body is empty; send a JSON object such as {example}.");
        return body.ValueKind == JsonValueKind.Object
            ? body
            : throw EngineException.BadInput($"The request body must be a JSON object such as {example}; got {RunRequestReader.Describe(body)}.");
    }

    /// <summary>
    /// Reads and checks the request body. An empty (or whitespace-only) body gives <see langword="null"/>; callers
    /// that need one say so. <paramref name="example"/> is shown in error messages as the shape expected.
    /// </summary>
    /// <exception cref="EngineException">The body is not JSON, is nested too deeply, or holds malformed text (BadInput).</exception>
    public static async Task<JsonElement?> ReadAsync(HttpContext context, string example)
    {
        ArgumentNullException.ThrowIfNull(context);

        // One pooled buffer sized by Content-Length (a media body is megabytes: a growing MemoryStream made a dozen
        // large-object-heap arrays of each, which drove gen-2 collections; docs/benchmarks.md, "Image features").
        // Parse clones what it returns, so the buffer goes back to the pool here.
        var declared = context.Request.ContentLength;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialSize(declared, context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize));
        var length = 0;
        try
        {
            try
            {
                while (length != declared)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(checked(buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }
            }
            catch (IOException e) when (e is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
            {
                // Kestrel's framing errors that are not BadHttpRequestException, such as "Bad chunk size data."
                throw EngineException.BadInput($"The request body could not be read: {e.Message}");
            }

            return Parse(buffer.AsMemory(0, length), example);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The first buffer for a body: its declared length, but never more up front than the server takes (Kestrel
    /// refuses a longer body at the first read) nor than <see cref="MaxInitialSize"/> before the bytes arrive.
    /// </summary>
    private static int InitialSize(long? declared, long? maxBodySize)
    {
        var bound = Math.Max(Math.Min(maxBodySize ?? MaxInitialSize, MaxInitialSize), MinBufferSize);
        return (int)Math.Clamp(declared ?? MinBufferSize, MinBufferSize, bound);
    }

    private const int MinBufferSize = 16 * 1024;

    private const long MaxInitialSize = 8L * 1024 * 1024;

    /// <summary>
    /// Parses and checks a body held in memory: <see langword="null"/> when it is empty or whitespace, else its root
    /// value (a copy that outlives <paramref name="utf8"/>).
    /// </summary>
    /// <exception cref="EngineException">The body is not JSON, is nested too deeply, or holds malformed text (BadInput).</exception>
    public static JsonElement? Parse(ReadOnlyMemory<byte> utf8, string example)
    {
        var span = utf8.Span;
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[Encoding.UTF8.Preamble.Length..];
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        if (span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(utf8, DocumentOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw EngineException.BadInput($"The request body is not valid JSON ({Shorten(e.Message)}); send a JSON object such as {example}.");
        }

        CheckText(span);
        return root;
    }

    /// <summary>
    /// Checks every string value and property name of a syntactically valid JSON text; the first malformed one
    /// throws a BadInput naming where it is (<c>params.prompt</c>, <c>messages[0].role</c>, ...).
    /// </summary>
    private static void CheckText(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var frames = new Frame[MaxDepth + 1];
        var depth = 0; // frames[0] is the top level, which holds one value
        frames[0] = new Frame(isArray: false);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    if (!IsWellFormed(ref reader))
                    {
                        var where = Path(json, frames, depth, includeLast: false);
                        throw EngineException.BadInput(
                            $"A property name {(where.Length == 0 ? "at the top level" : $"in '{where}'")} is not valid text (invalid UTF-8, or a lone UTF-16 surrogate in a \\u escape); send well-formed Unicode.");
                    }

                    frames[depth].NameStart = (int)reader.TokenStartIndex + 1;
                    frames[depth].NameLength = reader.ValueSpan.Length;
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    frames[depth].Index++;
                    frames[++depth] = new Frame(reader.TokenType == JsonTokenType.StartArray);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.String:
                    frames[depth].Index++;
                    if (!IsWellFormed(ref reader))
                    {
                        var where = Path(json, frames, depth, includeLast: true);
                        throw EngineException.BadInput(
                            $"{(where.Length == 0 ? "The body" : $"'{where}'")} is not valid text (invalid UTF-8, or a lone UTF-16 surrogate in a \\u escape); send well-formed Unicode.");
                    }

                    break;
                default:
                    frames[depth].Index++;
                    break;
            }
        }
    }

    /// <summary>Whether the current string token is valid UTF-8 once unescaped.</summary>
    private static bool IsWellFormed(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(raw);
        }

        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max(raw.Length, 1));
        try
        {
            // Unescaping throws for a \u escape that is half of a surrogate pair; raw bytes are checked after.
            var written = reader.CopyString(scratch.AsSpan());
            return Utf8.IsValid(scratch.AsSpan(0, written));
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The path of the current value (or of its container) as a short, printable string.</summary>
    private static string Path(ReadOnlySpan<byte> json, Frame[] frames, int depth, bool includeLast)
    {
        var path = new StringBuilder();
        for (var i = 1; i <= depth; i++)
        {
            // A level's own position lives in its parent's frame: the name or index the parent was at.
            var parent = frames[i - 1];
            if (i > 1 || parent.NameLength > 0)
            {
                Append(path, json, parent);
            }
        }

        if (includeLast && depth > 0)
        {
            Append(path, json, frames[depth]);
        }

        var text = path.ToString();
        return text.Length > MaxPathLength ? "..." + text[^MaxPathLength..] : text;
    }

    private static void Append(StringBuilder path, ReadOnlySpan<byte> json, Frame frame)
    {
        if (frame.IsArray)
        {
            path.Append('[').Append(frame.Index).Append(']');
            return;
        }

        if (path.Length > 0)
        {
            path.Append('.');
        }

        var name = json.Slice(frame.NameStart, Math.Min(frame.NameLength, MaxPathLength));
        path.Append(Utf8.IsValid(name) ? Encoding.UTF8.GetString(name) : "?");
    }

    private static string Shorten(string message) => message.Length > 300 ? message[..300] + "..." : message;

    /// <summary>One level of nesting: an array's current index, or an object's current property name.</summary>
    private struct Frame(bool isArray)
    {
        public readonly bool IsArray = isArray;
        public int Index = -1;
        public int NameStart;
        public int NameLength;
    }
}
