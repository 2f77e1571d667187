using System.Security.Cryptography;
using System.Text;
using Bytez.Hub;
using Bytez.Testing.Hub;

namespace Bytez.Hub.Tests;

public sealed class ModelDownloaderTests
{
    private const string Weights = "onnx/model.onnx";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DownloadAsync_FreshRepository_FilesVerifyAndSnapshotLinksResolve()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, "main", null, Ct);

        Assert.Equal(env.Cache.SnapshotPath(fake.Id, fake.Commit), snapshot);
        foreach (var (path, content) in files)
        {
            var entry = Path.Combine(snapshot, path);
            Assert.Equal(content, await File.ReadAllBytesAsync(entry, Ct));
            var link = new FileInfo(entry).LinkTarget;
            Assert.NotNull(link);
            Assert.False(Path.IsPathRooted(link));
        }

        Assert.Equal(fake.Commit, env.Cache.TryReadRef(fake.Id, "main"));
        Assert.Equal(1, fake.Downloads(Weights));
        Assert.Empty(Directory.GetFiles(Path.Combine(env.Cache.RepoPath(fake.Id), "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task DownloadAsync_Snapshot_HuggingFaceLayout()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, "main", null, Ct);

        var repo = Path.Combine(env.Root, "models--org--tiny-model");
        Assert.Equal(Path.Combine(repo, "snapshots", fake.Commit), snapshot);
        Assert.Equal(fake.Commit, await File.ReadAllTextAsync(Path.Combine(repo, "refs", "main"), Ct));
        var sha = HubTestEnvironment.Sha256(files[Weights]);
        Assert.Equal($"../../../blobs/{sha}", new FileInfo(Path.Combine(snapshot, "onnx", "model.onnx")).LinkTarget);
        var configBlob = HubTestEnvironment.GitBlobId(files["config.json"]);
        Assert.Equal($"../../blobs/{configBlob}", new FileInfo(Path.Combine(snapshot, "config.json")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(repo, "blobs", sha)));
        Assert.True(File.Exists(Path.Combine(repo, "blobs", configBlob)));
        Assert.False(File.Exists(Path.Combine(env.Root, ".locks", "models--org--tiny-model", sha + ".lock")));
    }

    [Fact]
    public async Task DownloadAsync_CommitAsRevision_WritesNoRef()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);

        await env.Downloader.DownloadAsync(plan, fake.Commit, null, Ct);

        Assert.False(Directory.Exists(Path.Combine(env.Cache.RepoPath(fake.Id), "refs")));
    }

    [Fact]
    public async Task DownloadAsync_BodyCutHalfway_ResumesWithRange()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var half = files[Weights].Length / 2;
        fake.CutOnce(Weights, half);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Contains(env.Hub.Requests, r => ResumedFrom(r) is > 0);
        Assert.Equal(2, fake.Downloads(Weights));
    }

    [Fact]
    public async Task DownloadAsync_CutRepeatedly_ProgressResetsAttemptsAndSucceeds()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.MaxAttempts = 2);
        var (fake, files) = AddModel(env);
        fake.CutOnce(Weights, 100_000, times: 4);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Equal(5, fake.Downloads(Weights));
    }

    [Fact]
    public async Task DownloadAsync_IncompleteFromEarlierProcess_ResumesFromIt()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var content = files[Weights];
        var half = content.Length / 2;
        var incomplete = env.Cache.IncompletePath(fake.Id, HubTestEnvironment.Sha256(content));
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        await File.WriteAllBytesAsync(incomplete, content[..half], Ct);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Contains(env.Hub.Requests, r => ResumedFrom(r) == half);
        Assert.False(File.Exists(incomplete));
    }

    [Fact]
    public async Task DownloadAsync_IncompleteLongerThanFile_RestartsFromZero()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var content = files[Weights];
        var incomplete = env.Cache.IncompletePath(fake.Id, HubTestEnvironment.Sha256(content));
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        await File.WriteAllBytesAsync(incomplete, HubTestEnvironment.RandomBytes(content.Length + 10), Ct);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.DoesNotContain(env.Hub.Requests, r => ResumedFrom(r) is > 0);
    }

    [Fact]
    public async Task DownloadAsync_AlwaysCorrupted_RetriedFreshThenIntegrityError()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        fake.ServeCorrupted(Weights);
        var plan = await env.PlanAsync(fake.Id);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Integrity, error.Kind);
        var sha = HubTestEnvironment.Sha256(files[Weights]);
        Assert.Contains($"SHA-256 of {Weights} is ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the hub published {sha}; the file was deleted", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, fake.Downloads(Weights));
        Assert.False(File.Exists(env.Cache.BlobPath(fake.Id, sha)));
        Assert.False(File.Exists(env.Cache.IncompletePath(fake.Id, sha)));
    }

    [Fact]
    public async Task DownloadAsync_CorruptedGitFile_IntegrityErrorNamesGitHash()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env);
        fake.ServeCorrupted("config.json");
        var plan = await env.PlanAsync(fake.Id);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Integrity, error.Kind);
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_CorruptedOnce_SucceedsOnFreshRetry()
    {
        var toggle = new ToggleHandler();
        await using var env = await HubTestEnvironment.StartAsync(handler: toggle);
        var (fake, files) = AddModel(env);
        fake.ServeCorrupted(Weights);
        toggle.BeforeSecond = ("/resolve/" + fake.Commit + "/" + Weights, () => fake.ServeCorrupted(Weights, false));
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Equal(2, fake.Downloads(Weights));
    }

    [Fact]
    public async Task DownloadAsync_BytesAlreadyOnDisk_ReportsVerifyingWhileHashingThem()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        await env.Downloader.DownloadAsync(plan, null, Ct);
        Directory.Delete(env.Cache.SnapshotPath(fake.Id, fake.Commit), recursive: true);
        var reports = new List<DownloadProgress>();

        await env.Downloader.DownloadAsync(plan, new SyncProgress(reports.Add), Ct);

        Assert.Contains(reports, r => r.Verifying && r.CurrentFile == Weights);
        Assert.False(reports[^1].Verifying);
        Assert.Equal(plan.TotalBytes, reports[^1].BytesDone);
        Assert.Equal(1, fake.Downloads(Weights));
    }

    [Fact]
    public async Task DownloadAsync_FreshDownload_NeverReportsVerifying()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var reports = new List<DownloadProgress>();

        await env.Downloader.DownloadAsync(plan, new SyncProgress(reports.Add), Ct);

        Assert.DoesNotContain(reports, r => r.Verifying);
    }

    [Fact]
    public async Task DownloadAsync_VerifiedBlobInCache_NoFileRequest()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        await env.Downloader.DownloadAsync(plan, null, Ct);
        Directory.Delete(env.Cache.SnapshotPath(fake.Id, fake.Commit), recursive: true);
        var before = env.Hub.Requests.Count;

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(before, env.Hub.Requests.Count);
        Assert.Equal(1, fake.Downloads(Weights));
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
    }

    [Fact]
    public async Task DownloadAsync_CorruptedBlobInCache_Redownloaded()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        await env.Downloader.DownloadAsync(plan, null, Ct);
        var blob = env.Cache.BlobPath(fake.Id, HubTestEnvironment.Sha256(files[Weights]));
        await File.WriteAllBytesAsync(blob, HubTestEnvironment.RandomBytes(files[Weights].Length), Ct);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(2, fake.Downloads(Weights));
        Assert.Equal(1, fake.Downloads("config.json"));
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
    }

    [Fact]
    public async Task DownloadAsync_NotEnoughDiskSpace_TooLargeBeforeAnyFileRequest()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.MinFreeDiskBytes = long.MaxValue / 4);
        var (fake, _) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var before = env.Hub.Requests.Count;

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.TooLarge, error.Kind);
        Assert.Contains("more", error.Message, StringComparison.Ordinal);
        Assert.Contains(env.Root, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, env.Hub.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_Cancelled_LeavesIncompleteForResume()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env, weightBytes: 2_000_000);
        env.Hub.BytesPerSecond = 1_000_000;
        var plan = await env.PlanAsync(fake.Id);
        var incomplete = env.Cache.IncompletePath(fake.Id, HubTestEnvironment.Sha256(files[Weights]));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var download = env.Downloader.DownloadAsync(plan, null, cancel.Token);
        while (!File.Exists(incomplete) || new FileInfo(incomplete).Length == 0)
        {
            await Task.Delay(10, Ct);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);

        Assert.True(File.Exists(incomplete));
        var kept = new FileInfo(incomplete).Length;
        Assert.InRange(kept, 1, files[Weights].Length - 1);
        env.Hub.BytesPerSecond = 0;
        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Contains(env.Hub.Requests, r => ResumedFrom(r) is > 0);
    }

    [Fact]
    public async Task DownloadAsync_Progress_MonotonicAndEndsAtTotal()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env, weightBytes: 2_000_000);
        env.Hub.BytesPerSecond = 4_000_000;
        var plan = await env.PlanAsync(fake.Id);
        var reports = new List<DownloadProgress>();
        var progress = new SyncProgress(reports.Add);

        await env.Downloader.DownloadAsync(plan, progress, Ct);

        Assert.True(reports.Count >= 2, $"{reports.Count} reports");
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].BytesDone >= reports[i - 1].BytesDone);
        }

        Assert.All(reports, r => Assert.Equal(plan.TotalBytes, r.BytesTotal));
        Assert.Equal(plan.TotalBytes, reports[^1].BytesDone);
        Assert.Null(reports[^1].CurrentFile);
        Assert.Contains(reports, r => r.CurrentFile == Weights);
        Assert.True(reports.Count < 40, $"{reports.Count} reports");
    }

    [Fact]
    public async Task DownloadAsync_ResumedBytes_CountedFromFirstReport()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var half = files[Weights].Length / 2;
        var incomplete = env.Cache.IncompletePath(fake.Id, HubTestEnvironment.Sha256(files[Weights]));
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        await File.WriteAllBytesAsync(incomplete, files[Weights][..half], Ct);
        var reports = new List<DownloadProgress>();

        await env.Downloader.DownloadAsync(plan, new SyncProgress(reports.Add), Ct);

        Assert.True(reports[0].BytesDone >= half);
    }

    [Fact]
    public async Task DownloadAsync_ServerErrorsThenOk_Retried()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        fake.FailNext(Weights, 503, times: 2);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Equal(2, env.Hub.Requests.Count(r => r.Status == 503));
    }

    [Fact]
    public async Task DownloadAsync_ServerKeepsFailing_Unavailable()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.MaxAttempts = 3);
        var (fake, _) = AddModel(env);
        fake.FailNext(Weights, 500, times: 100);
        var plan = await env.PlanAsync(fake.Id);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
        Assert.Equal(3, env.Hub.Requests.Count(r => r.Status == 500));
    }

    [Fact]
    public async Task DownloadAsync_MissingFile_NotFoundWithoutRetry()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var ghost = new HubFile("onnx/ghost.onnx", 10, null, new string('a', 64));
        plan = plan with { Files = [.. plan.Files, ghost] };

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("onnx/ghost.onnx", error.Message, StringComparison.Ordinal);
        Assert.Single(env.Hub.Requests, r => r.Path.Contains("ghost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownloadAsync_GatedWithoutToken_Unauthorized()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, _) = AddModel(env);
        fake.RequiredToken = "hf_secret";
        var plan = await env.PlanAsync(fake.Id);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Contains("gated", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_GatedWithWrongToken_Unauthorized()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.Token = "hf_wrong");
        var (fake, _) = AddModel(env);
        fake.RequiredToken = "hf_secret";
        var plan = await env.PlanAsync(fake.Id);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Contains("no access", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_GatedWithToken_SendsBearerAndSucceeds()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.Token = "hf_secret");
        var (fake, files) = AddModel(env);
        fake.RequiredToken = "hf_secret";
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Contains(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal) && r.Authorization == "Bearer hf_secret");
    }

    [Fact]
    public async Task DownloadAsync_BodyLongerThanPublished_IntegrityError()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        plan = plan with { Files = [.. plan.Files.Select(f => f.Path == Weights ? f with { Size = f.Size - 1000 } : f)] };

        var error = await Assert.ThrowsAsync<HubException>(() => env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(HubErrorKind.Integrity, error.Kind);
        var sha = HubTestEnvironment.Sha256(files[Weights]);
        Assert.False(File.Exists(env.Cache.BlobPath(fake.Id, sha)));
        Assert.False(File.Exists(env.Cache.IncompletePath(fake.Id, sha)));
    }

    [Fact]
    public async Task DownloadAsync_TwoAtOnce_FileFetchedOnce()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env, weightBytes: 1_000_000);
        env.Hub.BytesPerSecond = 4_000_000;
        var plan = await env.PlanAsync(fake.Id);

        var both = await Task.WhenAll(
            env.Downloader.DownloadAsync(plan, null, Ct),
            env.Downloader.DownloadAsync(plan, null, Ct));

        Assert.Equal(both[0], both[1]);
        Assert.Equal(1, fake.Downloads(Weights));
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(both[0], Weights), Ct));
    }

    [Fact]
    public async Task DownloadAsync_EmptyFile_LinkedWithoutError()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("org/empty").AddFile("empty.txt", []).AddFile("model.onnx", HubTestEnvironment.RandomBytes(50_000));
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Empty(await File.ReadAllBytesAsync(Path.Combine(snapshot, "empty.txt"), Ct));
    }

    [Fact]
    public async Task DownloadAsync_StalledBody_RetriedFromBytesOnDisk()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.ReadTimeout = TimeSpan.FromMilliseconds(300));
        var content = HubTestEnvironment.RandomBytes(40_000);
        var fake = env.Hub.AddRepository("org/slow").AddFile("model.onnx", content);
        var plan = await env.PlanAsync(fake.Id);
        env.Hub.BytesPerSecond = 8_000;

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(snapshot, "model.onnx"), Ct));
        Assert.Contains(env.Hub.Requests, r => ResumedFrom(r) is > 0);
    }

    [Fact]
    public async Task DownloadAsync_LockFileHeldByAnotherProcess_WaitsForIt()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);
        var lockPath = env.Cache.LockPath(fake.Id, HubTestEnvironment.Sha256(files[Weights]));
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var download = env.Downloader.DownloadAsync(plan, null, Ct);
        await Task.Delay(500, Ct);
        Assert.False(download.IsCompleted);
        Assert.Equal(0, fake.Downloads(Weights));
        await held.DisposeAsync();

        var snapshot = await download;
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
    }

    [Fact]
    public async Task DownloadAsync_NoSymlinks_FilesMovedIntoSnapshotAndReused()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        env.Cache.UseSymlinks = false;
        var (fake, files) = AddModel(env);
        var plan = await env.PlanAsync(fake.Id);

        var snapshot = await env.Downloader.DownloadAsync(plan, null, Ct);
        var again = await env.Downloader.DownloadAsync(plan, null, Ct);

        Assert.Equal(snapshot, again);
        Assert.Null(new FileInfo(Path.Combine(snapshot, Weights)).LinkTarget);
        Assert.Equal(files[Weights], await File.ReadAllBytesAsync(Path.Combine(snapshot, Weights), Ct));
        Assert.Equal(1, fake.Downloads(Weights));
    }

    private static (FakeRepository Repository, Dictionary<string, byte[]> Files) AddModel(HubTestEnvironment env, int weightBytes = 1_000_000)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = "{\"model_type\":\"bert\",\"hidden_size\":32}"u8.ToArray(),
            ["tokenizer.json"] = HubTestEnvironment.RandomBytes(200_000),
            [Weights] = HubTestEnvironment.RandomBytes(weightBytes),
        };
        var fake = env.Hub.AddRepository("org/tiny-model");
        fake.PipelineTag = "feature-extraction";
        foreach (var (path, content) in files)
        {
            fake.AddFile(path, content);
        }

        return (fake, files);
    }

    /// <summary>The start of a <c>Range: bytes=N-</c> request, or <see langword="null"/>.</summary>
    private static long? ResumedFrom(FakeHubRequest request) =>
        request.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            ? long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }

    /// <summary>Runs an action just before the second request whose path ends with a suffix.</summary>
    private sealed class ToggleHandler : DelegatingHandler
    {
        private int _seen;

        public (string Suffix, Action Action)? BeforeSecond { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (BeforeSecond is { } toggle && request.RequestUri!.AbsolutePath.EndsWith(toggle.Suffix, StringComparison.Ordinal)
                && Interlocked.Increment(ref _seen) == 2)
            {
                toggle.Action();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>A fake hub, an HTTP client, options with tiny retry delays, a temporary cache, the client and the downloader.</summary>
internal sealed class HubTestEnvironment : IAsyncDisposable
{
    private HubTestEnvironment(FakeHub hub, HttpClient http, HubOptions options, string root)
    {
        Hub = hub;
        Http = http;
        Options = options;
        Root = root;
        Cache = new HubCache(root);
        Client = new HubClient(http, options);
        Downloader = new ModelDownloader(http, Cache, options);
    }

    public FakeHub Hub { get; }

    public HttpClient Http { get; }

    public HubOptions Options { get; }

    public string Root { get; }

    public HubCache Cache { get; }

    public HubClient Client { get; }

    public ModelDownloader Downloader { get; }

    public static async Task<HubTestEnvironment> StartAsync(Action<HubOptions>? configure = null, DelegatingHandler? handler = null)
    {
        var hub = await FakeHub.StartAsync();
        var options = new HubOptions
        {
            Endpoint = hub.Endpoint,
            RetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            ReadTimeout = TimeSpan.FromSeconds(10),
            MinFreeDiskBytes = 0,
        };
        configure?.Invoke(options);
        HttpMessageHandler inner = new SocketsHttpHandler();
        if (handler is not null)
        {
            handler.InnerHandler = inner;
            inner = handler;
        }

        var root = Path.Combine(Path.GetTempPath(), "bytez-hub-tests", Guid.NewGuid().ToString("N"));
        return new HubTestEnvironment(hub, new HttpClient(inner) { Timeout = Timeout.InfiniteTimeSpan }, options, root);
    }

    /// <summary>A plan with every file of the repository at <c>main</c>.</summary>
    public async Task<DownloadPlan> PlanAsync(string modelId)
    {
        var repository = await Client.GetRepositoryAsync(modelId, "main", TestContext.Current.CancellationToken);
        return new DownloadPlan
        {
            ModelId = modelId,
            Commit = repository.Commit,
            Task = repository.PipelineTag ?? "feature-extraction",
            Format = ModelFormats.Onnx,
            Files = repository.Files,
            ModelPath = "",
        };
    }

    public static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string GitBlobId(byte[] content)
    {
#pragma warning disable CA5350 // git's blob ids are SHA-1
        return Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
#pragma warning restore CA5350
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Hub.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
