using System.Text;
using Bytez.Engine;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Bytez.Server.Apis;

/// <summary>
/// The one reader of <c>multipart/form-data</c> request bodies (uploads), beside <see cref="JsonBody"/>. The body is
/// bounded as a JSON body is: Kestrel refuses one past <c>Bytez:MaxRequestBodyBytes</c> with 413. A body that is not
/// multipart gets 415; a malformed one, a text field over <see cref="MaxFieldBytes"/>, more than
/// <see cref="MaxParts"/> parts, or a second file get 400. Text fields must be UTF-8.
/// </summary>
public static class MultipartBody
{
    /// <summary>The most parts (fields and the file) one form may have.</summary>
    public const int MaxParts = 64;

    /// <summary>The most bytes of one text field.</summary>
    public const int MaxFieldBytes = 64 * 1024;

    private const int MaxBoundaryLength = 200;

    /// <summary>
    /// Reads a form with at most one file part: its text fields (a name may repeat, as <c>timestamp_granularities[]</c>
    /// does) and the file's bytes. <paramref name="fileField"/> names the file part, for messages.
    /// </summary>
    /// <exception cref="EngineException">Not multipart (UnsupportedMediaType), malformed or over a part limit (BadInput).</exception>
    public static async Task<MultipartForm> ReadAsync(HttpContext context, string fileField)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new EngineException(EngineErrorKind.UnsupportedMediaType,
                $"The request body must be multipart/form-data (a form with the upload in '{fileField}'); got {(string.IsNullOrEmpty(context.Request.ContentType) ? "no Content-Type" : $"'{context.Request.ContentType}'")}.");
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw EngineException.BadInput($"The multipart/form-data Content-Type needs a boundary parameter of 1 to {MaxBoundaryLength} characters.");
        }

        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        MultipartFile? file = null;
        var reader = new MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        var parts = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false) is { } section)
            {
                if (++parts > MaxParts)
                {
                    throw EngineException.BadInput($"The form has more than {MaxParts} parts.");
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
                {
                    throw EngineException.BadInput("Every part of the form needs a Content-Disposition: form-data header with a name.");
                }

                if (disposition.IsFileDisposition())
                {
                    if (file is not null)
                    {
                        throw EngineException.BadInput($"The form has more than one file; send one, in '{fileField}'.");
                    }

                    using var data = new MemoryStream();
                    await section.Body.CopyToAsync(data, context.RequestAborted).ConfigureAwait(false);
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    file = new MultipartFile(name, fileName, section.ContentType, data.ToArray());
                    continue;
                }

                var value = await ReadFieldAsync(section, name, context.RequestAborted).ConfigureAwait(false);
                if (!fields.TryGetValue(name, out var values))
                {
                    fields[name] = values = [];
                }

                values.Add(value);
            }
        }
        catch (IOException e) when (e is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            // MultipartReader's framing errors (a missing boundary, headers too long) are IOExceptions.
            throw EngineException.BadInput($"The multipart/form-data body could not be read: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw EngineException.BadInput($"The multipart/form-data body is malformed: {e.Message}");
        }

        return new MultipartForm(fields, file);
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        if (length > MaxFieldBytes)
        {
            throw EngineException.BadInput($"The form field '{name}' is longer than {MaxFieldBytes} bytes.");
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            throw EngineException.BadInput($"The form field '{name}' is not valid UTF-8 text.");
        }
    }
}

/// <summary>A form read by <see cref="MultipartBody"/>: its text fields by name (in order), and its one file if sent.</summary>
/// <param name="Fields">The text fields; a name sent several times has several values.</param>
/// <param name="File">The uploaded file, or <see langword="null"/>.</param>
public sealed record MultipartForm(IReadOnlyDictionary<string, List<string>> Fields, MultipartFile? File)
{
    /// <summary>The last value of a field, or <see langword="null"/> when it was not sent.</summary>
    public string? Get(string name) => Fields.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>Every value of a field (none when it was not sent).</summary>
    public IReadOnlyList<string> GetAll(string name) => Fields.TryGetValue(name, out var values) ? values : [];
}

/// <summary>The file part of a form.</summary>
/// <param name="Field">The form field it came in.</param>
/// <param name="FileName">The file name the client gave, if any.</param>
/// <param name="ContentType">The part's Content-Type, if any.</param>
/// <param name="Data">The bytes.</param>
public sealed record MultipartFile(string Field, string? FileName, string? ContentType, byte[] Data);
