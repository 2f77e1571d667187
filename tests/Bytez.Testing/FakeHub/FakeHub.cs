using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Testing.Hub;

/// <summary>
/// A Hugging Face-compatible hub on a loopback port for tests: the model API
/// (<c>/api/models/{org}/{name}[/revision/{rev}]</c>), the model list (<c>/api/models?search=&amp;filter=&amp;sort=downloads</c>), file downloads (<c>/{org}/{name}/resolve/{rev}/{path}</c>,
/// LFS files through a redirect to <c>/cdn-lfs/...</c>) with HTTP ranges, the hub's error codes, gated and private
/// repositories, throttling and injected faults. Records every request. Thread-safe.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeRepository> _repositories = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FakeHubRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _bytesPerSecond;
    private readonly List<int> _activeBodies = [];
    private int _bodyEpoch;
    private int _peakBodies;

    private FakeHub(WebApplication app) => _app = app;

    /// <summary>The hub's base address, <c>http://127.0.0.1:&lt;port&gt;</c> (no trailing slash).</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>A copy of every request answered so far, in the order their statuses were decided.</summary>
    public IReadOnlyList<FakeHubRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>0 (default) serves at full speed; above 0, every file body is sent in 16 KiB chunks at about this rate.</summary>
    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _bytesPerSecond);
        set => Interlocked.Exchange(ref _bytesPerSecond, Math.Max(0, value));
    }

    /// <summary>
    /// The most file bodies that were being sent at the same time, counting bodies started since the hub started or
    /// since <see cref="ResetPeakDownloads"/>.
    /// </summary>
    public int PeakConcurrentDownloads
    {
        get
        {
            lock (_activeBodies)
            {
                return _peakBodies;
            }
        }
    }

    /// <summary>Starts counting <see cref="PeakConcurrentDownloads"/> afresh: bodies still being sent (to a client that went away, say) no longer count.</summary>
    public void ResetPeakDownloads()
    {
        lock (_activeBodies)
        {
            _bodyEpoch++;
            _peakBodies = 0;
        }
    }

    /// <summary>Starts a hub on 127.0.0.1 on a port the OS picks.</summary>
    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var hub = new FakeHub(app);
        app.Run(hub.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = address.TrimEnd('/');
        return hub;
    }

    /// <summary>Adds an empty repository with a random commit (replacing one of the same id).</summary>
    public FakeRepository AddRepository(string id)
    {
        var repository = new FakeRepository(id);
        _repositories[id] = repository;
        return repository;
    }

    /// <summary>Adds a repository holding every file under <paramref name="folder"/> (paths relative to it, with '/').</summary>
    public FakeRepository AddFolder(string id, string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var repository = AddRepository(id);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var path = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            repository.AddFile(path, File.ReadAllBytes(file));
        }

        return repository;
    }

    /// <summary>Forgets the requests recorded so far.</summary>
    public void ClearRequests()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    /// <summary>Stops the hub (cutting responses still being sent).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var exchange = new Exchange(this, context);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await DispatchAsync(exchange, cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // The client went away or the hub is stopping.
            context.Abort();
        }
        finally
        {
            exchange.Record(context.Response.StatusCode);
        }
    }

    private Task DispatchAsync(Exchange exchange, CancellationToken cancellationToken)
    {
        var target = exchange.RawTarget;
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = queryStart < 0 ? string.Empty : target[(queryStart + 1)..];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = exchange.Context.Request.Method;

        if (segments.Length == 2 && segments[0] == "api" && segments[1] == "models")
        {
            return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                ? SearchAsync(exchange, query)
                : exchange.ErrorAsync(405, null, "Method not allowed");
        }

        if (segments.Length >= 4 && segments[0] == "api" && segments[1] == "models")
        {
            if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            {
                return exchange.ErrorAsync(405, null, "Method not allowed");
            }

            if (segments.Length == 4)
            {
                return ModelInfoAsync(exchange, segments[2] + "/" + segments[3], "main", query);
            }

            if (segments.Length == 6 && segments[4] == "revision")
            {
                return ModelInfoAsync(exchange, segments[2] + "/" + segments[3], segments[5], query);
            }
        }
        else if (segments.Length >= 5 && segments[2] == "resolve")
        {
            if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            {
                return exchange.ErrorAsync(405, null, "Method not allowed");
            }

            return ResolveAsync(exchange, segments[0] + "/" + segments[1], segments[3], string.Join('/', segments[4..]), cancellationToken);
        }
        else if (segments.Length == 5 && segments[0] == "cdn-lfs" && segments[1] == "repos")
        {
            return CdnAsync(exchange, segments[2] + "/" + segments[3], segments[4], QueryValue(query, "file"), cancellationToken);
        }

        return exchange.ErrorAsync(404, null, "Not Found");
    }

    /// <summary>
    /// The model list as the hub answers <c>/api/models</c>: public repositories whose id contains <c>search</c>
    /// (case-insensitive) and that have the tag, library or pipeline tag <c>filter</c>, sorted by <c>sort=downloads</c>
    /// (most first with <c>direction=-1</c>), at most <c>limit</c> (default 1000), with the fields of the hub's short form.
    /// </summary>
    private Task SearchAsync(Exchange exchange, string query)
    {
        var search = QueryValue(query, "search");
        var filter = QueryValue(query, "filter");
        var limit = int.TryParse(QueryValue(query, "limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 1000;
        var matches = _repositories.Values
            .Select(r => (Repository: r, Meta: r.Snapshot()))
            .Where(m => !m.Meta.Private)
            .Where(m => search is null || m.Repository.Id.Contains(search, StringComparison.OrdinalIgnoreCase))
            .Where(m => filter is null
                || m.Meta.Tags.Contains(filter, StringComparer.OrdinalIgnoreCase)
                || string.Equals(m.Meta.Library, filter, StringComparison.OrdinalIgnoreCase)
                || string.Equals(m.Meta.Tag, filter, StringComparison.Ordinal));
        if (QueryValue(query, "sort") == "downloads")
        {
            matches = QueryValue(query, "direction") == "-1"
                ? matches.OrderByDescending(m => m.Repository.ListedDownloads)
                : matches.OrderBy(m => m.Repository.ListedDownloads);
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (repository, meta) in matches.Take(limit))
            {
                json.WriteStartObject();
                json.WriteString("_id", repository.ObjectId);
                json.WriteString("id", repository.Id);
                json.WriteNumber("likes", 0);
                json.WriteNumber("downloads", repository.ListedDownloads);
                json.WriteBoolean("private", false);
                if (meta.Tag is not null)
                {
                    json.WriteString("pipeline_tag", meta.Tag);
                }

                if (meta.Library is not null)
                {
                    json.WriteString("library_name", meta.Library);
                }

                json.WriteStartArray("tags");
                foreach (var tag in meta.Tags)
                {
                    json.WriteStringValue(tag);
                }

                json.WriteEndArray();
                json.WriteString("createdAt", "2025-01-01T00:00:00.000Z");
                json.WriteString("modelId", repository.Id);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        exchange.Context.Response.ContentType = "application/json; charset=utf-8";
        return exchange.SendAsync(200, buffer.ToArray());
    }

    private Task ModelInfoAsync(Exchange exchange, string id, string revision, string query)
    {
        if (!TryAccess(exchange, id, forFiles: false, out var repository, out var denied))
        {
            return denied;
        }

        if (!IsRevision(repository, revision))
        {
            return exchange.ErrorAsync(404, "RevisionNotFound", $"Invalid rev id: {revision}");
        }

        var blobs = string.Equals(QueryValue(query, "blobs"), "true", StringComparison.OrdinalIgnoreCase);
        var meta = repository.Snapshot();
        var files = repository.Files();
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("_id", repository.ObjectId);
            json.WriteString("id", repository.Id);
            json.WriteString("modelId", repository.Id);
            json.WriteString("author", repository.Id.Split('/')[0]);
            json.WriteString("sha", repository.Commit);
            json.WriteString("lastModified", "2025-01-01T00:00:00.000Z");
            json.WriteBoolean("private", meta.Private);
            if (meta.Token is not null && !meta.Private)
            {
                json.WriteString("gated", "auto");
            }
            else
            {
                json.WriteBoolean("gated", false);
            }

            json.WriteBoolean("disabled", false);
            json.WriteNumber("downloads", repository.ListedDownloads);
            json.WriteNumber("likes", 0);
            if (meta.Tag is not null)
            {
                json.WriteString("pipeline_tag", meta.Tag);
            }

            if (meta.Library is not null)
            {
                json.WriteString("library_name", meta.Library);
            }

            json.WriteStartArray("tags");
            foreach (var tag in meta.Tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            if (meta.ModelType is not null || meta.Architectures.Length > 0)
            {
                json.WriteStartObject("config");
                if (meta.Architectures.Length > 0)
                {
                    json.WriteStartArray("architectures");
                    foreach (var architecture in meta.Architectures)
                    {
                        json.WriteStringValue(architecture);
                    }

                    json.WriteEndArray();
                }

                if (meta.ModelType is not null)
                {
                    json.WriteString("model_type", meta.ModelType);
                }

                json.WriteEndObject();
            }

            if (meta.Gguf is not null)
            {
                json.WriteStartObject("gguf");
                json.WriteNumber("total", files.Where(f => f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)).Sum(f => (long)f.Content.Length));
                json.WriteString("architecture", meta.Gguf);
                json.WriteNumber("context_length", 4096);
                json.WriteEndObject();
            }

            json.WriteStartArray("siblings");
            foreach (var file in files)
            {
                json.WriteStartObject();
                json.WriteString("rfilename", file.Path);
                if (blobs)
                {
                    json.WriteString("blobId", file.BlobId);
                    json.WriteNumber("size", file.Content.Length);
                    if (file.Lfs)
                    {
                        json.WriteStartObject("lfs");
                        json.WriteString("sha256", file.Sha256);
                        json.WriteNumber("size", file.Content.Length);
                        json.WriteNumber("pointerSize", file.PointerSize);
                        json.WriteEndObject();
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("createdAt", "2025-01-01T00:00:00.000Z");
            json.WriteEndObject();
        }

        exchange.Context.Response.ContentType = "application/json; charset=utf-8";
        return exchange.SendAsync(200, buffer.ToArray());
    }

    private async Task ResolveAsync(Exchange exchange, string id, string revision, string path, CancellationToken cancellationToken)
    {
        if (!TryAccess(exchange, id, forFiles: true, out var repository, out var denied))
        {
            await denied.ConfigureAwait(false);
            return;
        }

        if (!IsRevision(repository, revision))
        {
            await exchange.ErrorAsync(404, "RevisionNotFound", $"Invalid rev id: {revision}").ConfigureAwait(false);
            return;
        }

        var file = repository.Find(path);
        if (file is null)
        {
            await exchange.ErrorAsync(404, "EntryNotFound", $"Entry not found: {path}").ConfigureAwait(false);
            return;
        }

        var headers = exchange.Context.Response.Headers;
        headers["X-Repo-Commit"] = repository.Commit;
        if (file.Lfs)
        {
            headers.ETag = Quote(file.BlobId);
            headers["X-Linked-Etag"] = Quote(file.Sha256);
            headers["X-Linked-Size"] = file.Content.Length.ToString(CultureInfo.InvariantCulture);
            headers.Location = $"{Endpoint}/cdn-lfs/repos/{repository.Id}/{file.Sha256}?file={Uri.EscapeDataString(file.Path)}";
            await exchange.SendAsync(302, []).ConfigureAwait(false);
            return;
        }

        headers.ETag = Quote(file.BlobId);
        await ServeBodyAsync(exchange, repository, file, cancellationToken).ConfigureAwait(false);
    }

    private async Task CdnAsync(Exchange exchange, string id, string sha256, string? path, CancellationToken cancellationToken)
    {
        FakeRepository? repository = null;
        var file = path is not null && _repositories.TryGetValue(id, out repository) ? repository.Find(path) : null;
        if (file is null || !file.Lfs || file.Sha256 != sha256)
        {
            await exchange.ErrorAsync(404, null, "Not Found").ConfigureAwait(false);
            return;
        }

        exchange.Context.Response.Headers.ETag = Quote(file.Sha256);
        await ServeBodyAsync(exchange, repository!, file, cancellationToken).ConfigureAwait(false);
    }

    private async Task ServeBodyAsync(Exchange exchange, FakeRepository repository, FakeRepository.FakeFile file, CancellationToken cancellationToken)
    {
        var context = exchange.Context;
        var isGet = HttpMethods.IsGet(context.Request.Method);
        var fault = isGet ? repository.TakeFault(file) : default;
        if (fault.Status is { } failStatus)
        {
            await exchange.SendAsync(failStatus, []).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        var total = (long)file.Content.Length;
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = "application/octet-stream";
        var start = 0L;
        var length = total;
        var status = 200;
        if (ParseRange(context.Request.Headers.Range.ToString(), total) is { } range)
        {
            if (range.Start >= total)
            {
                response.Headers.ContentRange = $"bytes */{total.ToString(CultureInfo.InvariantCulture)}";
                await exchange.ErrorAsync(416, null, "Requested range not satisfiable").ConfigureAwait(false);
                return;
            }

            start = range.Start;
            length = range.End - range.Start + 1;
            status = 206;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{range.End}/{total}");
        }

        response.ContentLength = length;
        exchange.Record(status);
        response.StatusCode = status;
        if (!isGet)
        {
            return;
        }

        repository.CountDownload(file);
        var body = file.Body(fault.Corrupted);
        var limit = fault.CutAfter is { } cut ? Math.Min(cut, length) : length;
        int epoch;
        lock (_activeBodies)
        {
            epoch = _bodyEpoch;
            _activeBodies.Add(epoch);
            _peakBodies = Math.Max(_peakBodies, _activeBodies.Count(e => e == epoch));
        }

        try
        {
            await SendBodyAsync(exchange, body, start, limit, fault.CutAfter is not null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_activeBodies)
            {
                _activeBodies.Remove(epoch);
            }
        }
    }

    private async Task SendBodyAsync(Exchange exchange, byte[] body, long start, long limit, bool cut, CancellationToken cancellationToken)
    {
        var context = exchange.Context;
        var response = context.Response;
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var sent = 0L;
        while (sent < limit)
        {
            var count = (int)Math.Min(ChunkBytes, limit - sent);
            await response.Body.WriteAsync(body.AsMemory((int)(start + sent), count), cancellationToken).ConfigureAwait(false);
            sent += count;
            var rate = BytesPerSecond;
            if (rate > 0)
            {
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                var due = TimeSpan.FromSeconds((double)sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (cut)
        {
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            // Let the bytes reach the client before the connection is torn down.
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            context.Abort();
        }
    }

    /// <summary>Checks that the repository exists and the caller may see it (and its files); otherwise answers as the hub does.</summary>
    private bool TryAccess(Exchange exchange, string id, bool forFiles, out FakeRepository repository, out Task denied)
    {
        var authorization = exchange.Context.Request.Headers.Authorization.ToString();
        var hasAuthorization = authorization.Length > 0;
        denied = Task.CompletedTask;
        if (!_repositories.TryGetValue(id, out repository!))
        {
            denied = NotFound(exchange, hasAuthorization);
            return false;
        }

        var meta = repository.Snapshot();
        var tokenOk = meta.Token is not null
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && authorization["Bearer ".Length..].Trim() == meta.Token;
        if (meta.Private && !tokenOk)
        {
            denied = NotFound(exchange, hasAuthorization);
            return false;
        }

        if (forFiles && meta.Token is not null && !tokenOk)
        {
            denied = exchange.ErrorAsync(
                hasAuthorization ? 403 : 401,
                "GatedRepo",
                $"Access to model {repository.Id} is restricted. You must have access to it and be authenticated to access it. Please log in.");
            return false;
        }

        return true;
    }

    private static Task NotFound(Exchange exchange, bool hasAuthorization) =>
        exchange.ErrorAsync(hasAuthorization ? 404 : 401, "RepoNotFound", "Repository not found");

    private static bool IsRevision(FakeRepository repository, string revision) =>
        revision == "main" || revision == repository.Commit;

    private static string Quote(string value) => "\"" + value + "\"";

    private static string? QueryValue(string query, string name)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            if (key == name)
            {
                return equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }

    /// <summary>A single range <c>bytes=N-</c>, <c>bytes=N-M</c> or <c>bytes=-K</c>; <see langword="null"/> when absent or not understood (the whole body is sent).</summary>
    private static (long Start, long End)? ParseRange(string header, long total)
    {
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            return long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) && suffix > 0
                ? (Math.Max(0, total - suffix), total - 1)
                : null;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        if (last.Length == 0)
        {
            return (start, total - 1);
        }

        if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var end) || end < start)
        {
            return null;
        }

        return (start, Math.Min(end, total - 1));
    }

    /// <summary>One request being answered: records it once, when its status is decided.</summary>
    private sealed class Exchange(FakeHub hub, HttpContext context)
    {
        public HttpContext Context { get; } = context;

        public string RawTarget { get; } = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;

        public bool Recorded { get; private set; }

        public void Record(int status)
        {
            if (Recorded)
            {
                return;
            }

            Recorded = true;
            var request = Context.Request;
            var entry = new FakeHubRequest(
                request.Method,
                RawTarget,
                request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null,
                request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null,
                status);
            lock (hub._requests)
            {
                hub._requests.Add(entry);
            }
        }

        public async Task SendAsync(int status, byte[] body)
        {
            Record(status);
            Context.Response.StatusCode = status;
            Context.Response.ContentLength = body.Length;
            if (body.Length > 0 && !HttpMethods.IsHead(Context.Request.Method))
            {
                await Context.Response.Body.WriteAsync(body).ConfigureAwait(false);
            }
        }

        public Task ErrorAsync(int status, string? code, string message)
        {
            if (code is not null)
            {
                Context.Response.Headers["X-Error-Code"] = code;
            }

            Context.Response.Headers["X-Error-Message"] = message;
            Context.Response.ContentType = "application/json; charset=utf-8";
            return SendAsync(status, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["error"] = message }));
        }
    }
}
