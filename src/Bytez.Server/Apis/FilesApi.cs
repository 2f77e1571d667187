using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Media;
using Bytez.Protocol;
using Bytez.Server.Hosting;
using Bytez.Server.Media;

namespace Bytez.Server.Apis;

/// <summary>
/// Media a task produces, answered as the hosted service answers it: with <c>"json": false</c> the raw bytes with
/// their content type; otherwise <c>{"error": null, "output": "&lt;url&gt;"}</c>, the URL pointing at
/// <c>GET /files/{name}</c> on this server (the <see cref="MediaFileStore"/>), which needs the key like every route.
/// </summary>
public static class FilesApi
{
    /// <summary>The route prefix of produced files.</summary>
    public const string Prefix = "/files";

    /// <summary>Maps <c>GET /files/{name}</c>.</summary>
    public static WebApplication MapFilesApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(Prefix + "/{name}", ServeAsync);
        return app;
    }

    /// <summary>
    /// Answers a run's output: a <see cref="MediaOutput"/> with <c>"json": false</c> is written raw (and
    /// <see langword="null"/> returned: nothing is left to write); any other <see cref="MediaOutput"/> is stored and
    /// replaced by its URL; other outputs are returned unchanged.
    /// </summary>
    public static async Task<TaskOutput?> AnswerMediaAsync(HttpContext context, RunRequest request, TaskOutput output)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        if (output is not MediaOutput media)
        {
            return output;
        }

        if (request.Json == false)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = media.ContentType;
            response.ContentLength = media.Data.LongLength;
            await response.Body.WriteAsync(media.Data, context.RequestAborted).ConfigureAwait(false);
            return null;
        }

        var store = context.RequestServices.GetRequiredService<MediaFileStore>();
        var name = await store.SaveAsync(media, context.RequestAborted).ConfigureAwait(false);
        return new UrlOutput(FileUrl(context, name));
    }

    /// <summary>
    /// The URL of a stored file: <c>Bytez:PublicUrl</c> when set, else the scheme, host and path base the request came
    /// in on; then <c>/files/{name}</c>.
    /// </summary>
    public static string FileUrl(HttpContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.RequestServices.GetRequiredService<BytezServerOptions>();
        var origin = string.IsNullOrWhiteSpace(options.PublicUrl)
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}"
            : options.PublicUrl;
        return $"{origin.TrimEnd('/')}{Prefix}/{Uri.EscapeDataString(name)}";
    }

    private static async Task ServeAsync(HttpContext context, string name, MediaFileStore store, MediaOptions options)
    {
        if (MediaFileStore.FileName().IsMatch(name) && store.Find(name) is { } file)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
            }
            catch (FileNotFoundException)
            {
                stream = null!;
            }

            if (stream is not null)
            {
                await using (stream.ConfigureAwait(false))
                {
                    var response = context.Response;
                    response.ContentType = file.ContentType;
                    response.ContentLength = stream.Length;
                    response.Headers.CacheControl = "private";
                    response.Headers.Expires = file.Expires.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                    await stream.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
                    return;
                }
            }
        }

        throw EngineException.NotFound(
            $"The file '{name}' does not exist or has expired: files a task produced are kept for {options.FileLifetime} (Bytez:Media:FileLifetime). Run the model again, or ask with \"json\": false for the bytes.");
    }

    /// <summary>The URL of a stored file, written as a JSON string.</summary>
    private sealed class UrlOutput(string url) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(url);
        }
    }
}
