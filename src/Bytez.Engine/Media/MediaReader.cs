using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Media;
using Bytez.Protocol;

namespace Bytez.Engine.Media;

/// <summary>
/// The one reader of a run request's media inputs, for every task that takes images or sounds. The forms, in the
/// order they are looked for:
/// <list type="bullet">
/// <item><c>input</c> as a string: <c>http://</c> or <c>https://</c> → a URL; <c>data:</c> → a data URI; anything
/// else → base64. As an object: <c>{"url"}</c> or <c>{"base64"}</c> (other keys, such as <c>candidate_labels</c>, are
/// the task's). As a list of those, where a task takes several (<see cref="ReadAllAsync"/>).</item>
/// <item><c>url</c>: an absolute http or https URL, fetched by the <see cref="IMediaFetcher"/>.</item>
/// <item><c>base64</c>: bare base64 or a data URI <c>data:&lt;mime&gt;;base64,...</c>; the mime is ignored (the
/// decoders sniff the format from the bytes). Whitespace, missing padding and the URL-safe alphabet are accepted.</item>
/// </list>
/// The bytes of one request's media, a list's together, are bounded by <see cref="MediaLimits.MaxBytes"/>: base64 is
/// measured before it is decoded, a URL's body while it is read. Every refusal names the key and what was expected.
/// The bytes are returned as sent; decoding is the decoders' business (<see cref="MediaErrors"/>).
/// </summary>
public sealed class MediaReader
{
    /// <summary>The standard base64 alphabet (RFC 4648 §4), searched vectorized for the fast path of <see cref="DecodeBase64"/>.</summary>
    private static readonly SearchValues<char> StandardBase64 =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    /// <summary>The same alphabet as bytes, for the fast path straight from a JSON value's UTF-8 (<see cref="TryDecodeCanonicalUtf8"/>).</summary>
    private static readonly SearchValues<byte> StandardBase64Utf8 =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    /// <summary>The request keys a media input may come in, for contracts and messages.</summary>
    public static IReadOnlyList<string> InputKeys { get; } = ["input", "url", "base64"];

    private const string Accepted =
        "`url` (an http or https URL), `base64` (bare base64 or a data URI) or `input` (a URL, a data URI or base64 as a string, or {\"url\": ...} / {\"base64\": ...})";

    private readonly IMediaFetcher _fetcher;
    private readonly RequestLimitsOptions _requests;

    /// <summary>Creates the reader.</summary>
    /// <param name="limits">The byte bound of one request's media (the decoders use the other bounds).</param>
    /// <param name="fetcher">Fetches URLs; <see langword="null"/> refuses them (<see cref="UrlRefusingMediaFetcher"/>).</param>
    /// <param name="requests">The per-request limits: the most inputs in a list (<see cref="RequestLimitsOptions.MaxItems"/>).</param>
    public MediaReader(MediaLimits limits, IMediaFetcher? fetcher = null, RequestLimitsOptions? requests = null)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        _fetcher = fetcher ?? new UrlRefusingMediaFetcher();
        _requests = requests ?? new RequestLimitsOptions();
    }

    /// <summary>The media limits in force, for the decoders the pipelines call.</summary>
    public MediaLimits Limits { get; }

    /// <summary>Reads the one media input of a request (a list is refused).</summary>
    /// <param name="request">The run request.</param>
    /// <param name="task">The task, for messages.</param>
    /// <param name="cancellationToken">Cancels a URL fetch.</param>
    /// <exception cref="EngineException">No media, a wrong form or bad base64 (BadInput), over the byte limit (TooLarge),
    /// or a URL that cannot be fetched (see <see cref="IMediaFetcher.FetchAsync"/>).</exception>
    public async ValueTask<MediaInput> ReadAsync(RunRequest request, string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Input is { ValueKind: JsonValueKind.Array })
        {
            throw EngineException.BadInput($"{task} takes one media input; `input` is a list. Send {Accepted}.");
        }

        var all = await ReadAllAsync(request, task, cancellationToken).ConfigureAwait(false);
        return all.Items[0];
    }

    /// <summary>
    /// Reads the media inputs of a request whose task takes one or several: <c>input</c> as a list gives several
    /// (at most <see cref="RequestLimitsOptions.MaxItems"/>), every other form one.
    /// </summary>
    /// <param name="request">The run request.</param>
    /// <param name="task">The task, for messages.</param>
    /// <param name="cancellationToken">Cancels URL fetches.</param>
    /// <exception cref="EngineException">As <see cref="ReadAsync"/>; an empty list (BadInput), too many items (TooLarge).</exception>
    public async ValueTask<MediaInputs> ReadAllAsync(RunRequest request, string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var budget = new Budget(Limits.MaxBytes);
        if (request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } input)
        {
            if (input.ValueKind != JsonValueKind.Array)
            {
                return new MediaInputs([await ReadValueAsync(input, "input", task, budget, cancellationToken).ConfigureAwait(false)], true);
            }

            var count = input.GetArrayLength();
            if (count == 0)
            {
                throw EngineException.BadInput($"{task} expects `input` as a non-empty list of media inputs; got an empty list.");
            }

            if (count > _requests.MaxItems)
            {
                throw _requests.TooManyItems("media inputs in `input`", count);
            }

            var items = new List<MediaInput>(count);
            var index = 0;
            foreach (var item in input.EnumerateArray())
            {
                items.Add(await ReadValueAsync(item, $"input[{index}]", task, budget, cancellationToken).ConfigureAwait(false));
                index++;
            }

            return new MediaInputs(items, false);
        }

        if (request.Url is { } url)
        {
            return new MediaInputs([await FetchAsync(url, "url", budget, cancellationToken).ConfigureAwait(false)], true);
        }

        if (request.Base64 is { } base64)
        {
            return new MediaInputs([DecodeBase64(base64, "base64", budget)], true);
        }

        throw EngineException.BadInput($"{task} expects the media as {Accepted}; got nothing.");
    }

    /// <summary>
    /// Reads one media value found anywhere in a request (an item of <c>input</c>, a chat message's content block):
    /// a URL, data URI or base64 string, or an object with <c>url</c> or <c>base64</c>; <paramref name="name"/> says
    /// where it is (<c>messages[0].content[1]</c>), for messages. Bounded by <see cref="MediaLimits.MaxBytes"/> alone.
    /// </summary>
    /// <exception cref="EngineException">As <see cref="ReadAsync"/>.</exception>
    public ValueTask<MediaInput> ReadValueAsync(JsonElement value, string name, string task, CancellationToken cancellationToken) =>
        ReadValueAsync(value, name, task, new Budget(Limits.MaxBytes), cancellationToken);

    private async ValueTask<MediaInput> ReadValueAsync(JsonElement value, string name, string task, Budget budget, CancellationToken cancellationToken)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (TryDecodeCanonicalUtf8(value, name, budget) is { } decoded)
                {
                    return decoded;
                }

                var text = value.GetString()!;
                return LooksLikeUrl(text)
                    ? await FetchAsync(text, name, budget, cancellationToken).ConfigureAwait(false)
                    : DecodeBase64(text, name, budget);
            case JsonValueKind.Object:
                if (value.TryGetProperty("url", out var url) && url.ValueKind != JsonValueKind.Null)
                {
                    return url.ValueKind == JsonValueKind.String
                        ? await FetchAsync(url.GetString()!, $"{name}.url", budget, cancellationToken).ConfigureAwait(false)
                        : throw EngineException.BadInput($"`{name}.url` must be a string (an http or https URL); got {Arguments.Describe(url)}.");
                }

                if (value.TryGetProperty("base64", out var base64) && base64.ValueKind != JsonValueKind.Null)
                {
                    return base64.ValueKind == JsonValueKind.String
                        ? TryDecodeCanonicalUtf8(base64, $"{name}.base64", budget) ?? DecodeBase64(base64.GetString()!, $"{name}.base64", budget)
                        : throw EngineException.BadInput($"`{name}.base64` must be a string (bare base64 or a data URI); got {Arguments.Describe(base64)}.");
                }

                throw EngineException.BadInput($"{task} expects `{name}` as an object to hold `url` or `base64`; it has neither.");
            default:
                throw EngineException.BadInput(
                    $"{task} expects `{name}` as a URL, a data URI or base64 (a string), or {{\"url\": ...}} / {{\"base64\": ...}}; got {Arguments.Describe(value)}.");
        }
    }

    /// <summary>Whether a string of <c>input</c> is a URL: it starts with a scheme and <c>://</c> (only http and https are fetched).</summary>
    private static bool LooksLikeUrl(string text)
    {
        var colon = text.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        for (var i = 1; i < colon; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private async ValueTask<MediaInput> FetchAsync(string text, string name, Budget budget, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw EngineException.BadInput($"`{name}` must be an absolute http or https URL; got {Show(text)}.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw EngineException.BadInput($"`{name}` must not carry a user name or password in its URL.");
        }

        var data = await _fetcher.FetchAsync(uri, budget.Remaining, cancellationToken).ConfigureAwait(false);
        var source = $"`{name}` ({Show(text)})";
        budget.Take(data.LongLength, source, Limits);
        return new MediaInput(data, source);
    }

    /// <summary>
    /// The common case read straight from the JSON value's UTF-8 bytes, without the UTF-16 string of
    /// <see cref="JsonElement.GetString"/> (twice the body's size): canonical base64 (standard alphabet, padded, no
    /// whitespace), bare or after a <c>data:...;base64,</c> header. JSON escapes in the value (<c>\/</c> from writers
    /// that escape slashes) are undone into a pooled buffer first. Anything else gives <see langword="null"/>, and the
    /// value takes the general path (<see cref="DecodeBase64"/>), which also words every refusal.
    /// </summary>
    private MediaInput? TryDecodeCanonicalUtf8(JsonElement value, string name, Budget budget)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length < 2 || raw[0] != (byte)'"' || raw[^1] != (byte)'"')
        {
            return null;
        }

        if (raw.IndexOf((byte)'\\') < 0)
        {
            return TryDecodeCanonicalPayload(raw[1..^1], name, budget);
        }

        var unescaped = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var reader = new Utf8JsonReader(raw);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return null;
            }

            var length = reader.CopyString(unescaped);
            return TryDecodeCanonicalPayload(unescaped.AsSpan(0, length), name, budget);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            // Not well-formed text (a lone surrogate in a \u escape): the general path says what is wrong.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(unescaped);
        }
    }

    private MediaInput? TryDecodeCanonicalPayload(ReadOnlySpan<byte> payload, string name, Budget budget)
    {
        if (payload.Length >= 5 && Ascii.EqualsIgnoreCase(payload[..5], "data:"u8))
        {
            var comma = payload.IndexOf((byte)',');
            if (comma < 7 || payload[..comma].IndexOf("://"u8) >= 0
                || !Ascii.EqualsIgnoreCase(payload[(comma - 7)..comma], ";base64"u8))
            {
                // No data, not base64, or read as a URL by the general path.
                return null;
            }

            payload = payload[(comma + 1)..];
        }

        var unpadded = payload.TrimEnd((byte)'=');
        if (unpadded.Length == 0 || payload.Length % 4 != 0 || payload.Length - unpadded.Length > 2 || unpadded.ContainsAnyExcept(StandardBase64Utf8))
        {
            return null;
        }

        // Over the limit, or bits past the last byte that are not zero (which Base64 refuses and Convert, as before,
        // accepts): the general path, which measures and words it the same as ever.
        var decoded = unpadded.Length * 3L / 4;
        if (decoded > budget.Remaining)
        {
            return null;
        }

        var data = new byte[decoded];
        if (Base64.DecodeFromUtf8(payload, data, out _, out var written) != OperationStatus.Done || written != decoded)
        {
            return null;
        }

        budget.Take(decoded, $"`{name}`", Limits);
        return new MediaInput(data, $"`{name}`");
    }

    private MediaInput DecodeBase64(string text, string name, Budget budget)
    {
        var payload = text.AsSpan();
        if (payload.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = payload.IndexOf(',');
            if (comma < 0)
            {
                throw EngineException.BadInput($"`{name}` is a data URI without a comma before its data; send data:<type>;base64,<data>.");
            }

            if (!payload[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw EngineException.BadInput($"`{name}` is a data URI that is not base64 (no ';base64' before the comma); send data:<type>;base64,<data>.");
            }

            payload = payload[(comma + 1)..];
        }

        // The common case, canonical base64 (standard alphabet, padded, no whitespace): one vectorized check and the
        // BCL's vectorized decoder, instead of the two character loops below.
        var unpadded = payload.TrimEnd('=');
        if (unpadded.Length > 0 && payload.Length % 4 == 0 && payload.Length - unpadded.Length <= 2 && !unpadded.ContainsAnyExcept(StandardBase64))
        {
            var decoded = unpadded.Length * 3L / 4;
            budget.Take(decoded, $"`{name}`", Limits);
            var data = new byte[decoded];
            if (!Convert.TryFromBase64Chars(payload, data, out var count) || count != decoded)
            {
                throw EngineException.BadInput($"`{name}` is not valid base64 (its padding or last characters are wrong).");
            }

            return new MediaInput(data, $"`{name}`");
        }

        // Measure first: the decoded length follows from the count of base64 characters, so nothing big is allocated
        // for a body over the limit.
        long symbols = 0;
        var end = payload.Length;
        while (end > 0 && (payload[end - 1] == '=' || char.IsWhiteSpace(payload[end - 1])))
        {
            end--;
        }

        for (var i = 0; i < end; i++)
        {
            var c = payload[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '-' or '_')
            {
                symbols++;
            }
            else if (!char.IsWhiteSpace(c))
            {
                throw EngineException.BadInput(
                    $"`{name}` is not valid base64: it holds {(c is < ' ' or > '~' ? $"U+{(int)c:X4}" : $"'{c}'")} at position {i} (expected A-Z, a-z, 0-9, +, / and = padding).");
            }
        }

        if (symbols == 0)
        {
            throw EngineException.BadInput($"`{name}` is empty; send the file's bytes as base64.");
        }

        if (symbols % 4 == 1)
        {
            throw EngineException.BadInput($"`{name}` is not valid base64: {symbols} characters cannot encode whole bytes (it was cut short).");
        }

        var length = symbols * 3 / 4;
        var source = $"`{name}`";
        budget.Take(length, source, Limits);

        var padded = (int)((symbols + 3) / 4 * 4);
        var chars = new char[padded];
        var n = 0;
        for (var i = 0; i < end; i++)
        {
            var c = payload[i];
            if (!char.IsWhiteSpace(c))
            {
                chars[n++] = c switch { '-' => '+', '_' => '/', _ => c };
            }
        }

        chars.AsSpan(n).Fill('=');
        var bytes = new byte[length];
        if (!Convert.TryFromBase64Chars(chars, bytes, out var written) || written != length)
        {
            throw EngineException.BadInput($"`{name}` is not valid base64 (its padding or last characters are wrong).");
        }

        return new MediaInput(bytes, source);
    }

    private static string Show(string text) => text.Length <= 200 ? $"'{text}'" : $"'{text[..200]}…'";

    /// <summary>The bytes one request's media may still take.</summary>
    private sealed class Budget(long max)
    {
        public long Remaining { get; private set; } = max;

        public void Take(long bytes, string source, MediaLimits limits)
        {
            if (bytes > Remaining)
            {
                var already = limits.MaxBytes - Remaining;
                throw EngineException.TooLarge(
                    $"The media in {source} has {bytes} bytes{(already > 0 ? $" (after {already} bytes of media before it)" : "")}; this server takes at most {limits.MaxBytes} bytes of media per request (Bytez:Media:MaxBytes).");
            }

            Remaining -= bytes;
        }
    }
}
