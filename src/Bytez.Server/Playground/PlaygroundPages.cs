using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Bytez.Server.Playground;

/// <summary>
/// The web playground: <c>GET /</c> answers its one HTML page and <c>GET /playground/{file}</c> its scripts and
/// style sheet, all embedded in this assembly (nothing is fetched from elsewhere, so it works offline). No key is
/// needed for these files: they are static and hold no data (the memory budget comes from the keyed
/// <c>GET /models/v2/status</c>); the page asks for the key and sends it to the API itself. Every answer
/// carries an ETag (revalidated with <c>If-None-Match</c>, 304), <c>Cache-Control: no-cache</c> (a new server
/// version is seen at once) and a strict Content-Security-Policy (scripts, styles and connections to this origin only;
/// no inline script).
/// </summary>
public static class PlaygroundPages
{
    /// <summary>The path under which the assets are served.</summary>
    public const string AssetPrefix = "/playground";

    /// <summary>The policy sent with every playground file: only this origin, no inline script, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
        + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "Bytez.Server.Playground.wwwroot.";

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(LoadAssets);

    /// <summary>Maps <c>/</c> and the asset route.</summary>
    public static IEndpointRouteBuilder MapPlayground(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/", (HttpContext context) => ServeAsync(context, "index.html"));
        app.MapGet(AssetPrefix + "/{file}", (HttpContext context, string file) => ServeAsync(context, file));
        return app;
    }

    /// <summary>The names of the embedded files (for tests and the size budget).</summary>
    public static IReadOnlyCollection<string> FileNames => Assets.Value.Keys;

    private static Task ServeAsync(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var body))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask; // the status code page answers it in the envelope
        }

        var headers = context.Response.Headers;
        headers.ETag = body.ETag;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == body.ETag || t.Trim() == "*")))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = body.ContentType;
        context.Response.ContentLength = body.Bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body.Bytes, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(PlaygroundPages).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name[ResourcePrefix.Length..];
            assets[file] = Asset.Create(file, copy.ToArray());
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(string Name, byte[] Bytes, string ETag, string ContentType)
    {
        public static Asset Create(string name, byte[] bytes) => new(
            name, bytes, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..20] + "\"", TypeOf(name));

        private static string TypeOf(string name) => Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
    }
}
