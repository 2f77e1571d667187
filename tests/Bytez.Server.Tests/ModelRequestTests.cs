using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// Requesting Hugging Face models end to end: a fake hub on loopback serving tiny real-format models (and a real
/// embedding model), the real server downloading, verifying, measuring and serving them through the Bytez routes.
/// </summary>
public sealed class ModelRequestTests
{
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    [Fact]
    public async Task Request_OnnxDecoder_IsDownloadedVerifiedMeasuredAndServed()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/tiny-onnx");
        using var client = env.CreateClient();

        var (status, body) = await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Job queued", AssertOutput(body).GetString());
        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(repo.Commit, final.Commit);
        Assert.Equal("onnx", final.Format);
        Assert.Contains(final.Files, f => f.Path == "onnx/model.onnx" && f.Sha256 is { Length: 64 });
        Assert.Contains(final.Files, f => f.Path == "tokenizer.json");
        Assert.Equal(final.BytesTotal, final.BytesDone);
        Assert.True(final.RamRequired > 0);
        Assert.True(final.Params > 0);
        Assert.NotNull(final.EndedAt);

        // Listed with the measured memory, and it runs through the Bytez route.
        var listed = await FindListedAsync(client, repo.Id);
        Assert.Equal(final.RamRequired!.Value, listed.GetProperty("ramRequired").GetDouble(), 3);
        var (runStatus, run, _) = await PostAsync(client, repo.Id, """{"text": "Hello", "params": {"max_new_tokens": 4}}""");
        Assert.Equal(HttpStatusCode.OK, runStatus);
        Assert.Equal(JsonValueKind.String, AssertOutput(run).ValueKind);

        // In the Hugging Face cache layout: refs/main names the commit; snapshot files link to verified blobs.
        var repoFolder = Path.Combine(env.CachePath, "models--test-org--tiny-onnx");
        Assert.Equal(repo.Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        var weights = new FileInfo(Path.Combine(repoFolder, "snapshots", repo.Commit, "onnx", "model.onnx"));
        Assert.NotNull(weights.LinkTarget);
        var sha = final.Files.Single(f => f.Path == "onnx/model.onnx").Sha256!;
        Assert.Equal(Path.Combine(repoFolder, "blobs", sha), weights.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weights.FullName))));

        // Asking again says so.
        var (_, again) = await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("Model available", AssertOutput(again).GetString());

        // The job and its bytes are in the metrics.
        using var scraper = new HttpClient { BaseAddress = env.Server.BaseAddress };
        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", m => m.Named("bytez_model_requests_total").Any());
        Assert.Contains(metrics.Named("bytez_model_requests_total"), s => s.Labels["model"] == repo.Id && s.Labels["outcome"] == "ready" && s.Value == 1);
        // Bytes arrive before the model is in the catalog: they count under the one label of ids it does not hold.
        Assert.Contains(metrics.Named("bytez_hub_downloaded_bytes_total"), s => s.Labels["model"] == "other" && s.Value == final.BytesTotal);
    }

    [Fact]
    public async Task Request_ReadyModel_IsServedAfterRestartWithoutDownloadingAgain()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("test-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        using (var client = env.CreateClient())
        {
            await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(ModelRequestStates.Ready, (await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken)).State);
        }

        var requestsBefore = env.Hub.Requests.Count;
        await env.RestartAsync();
        using var restarted = env.CreateClient();

        var listed = await FindListedAsync(restarted, repo.Id);
        var (runStatus, run, _) = await PostAsync(restarted, repo.Id, """{"messages": [{"role": "user", "content": "Hi"}], "params": {"max_new_tokens": 3}}""");
        var status = await HubTestServer.GetStatusAsync(restarted, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("chat", listed.GetProperty("task").GetString());
        Assert.True(listed.GetProperty("ramRequired").GetDouble() > 0);
        Assert.Equal(HttpStatusCode.OK, runStatus);
        Assert.Equal(JsonValueKind.Object, AssertOutput(run).ValueKind);
        Assert.Equal(ModelRequestStates.Ready, status?.State);
        Assert.Equal(requestsBefore, env.Hub.Requests.Count);
    }

    [Fact]
    public async Task Request_ServerStoppedMidDownload_ResumesAtTheNextStartWithoutAnotherRequest()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/stopped-onnx");
        var size = repo.Size("onnx/model.onnx");
        env.Hub.BytesPerSecond = Math.Max(32 * 1024, size / 10);
        long done;
        using (var client = env.CreateClient())
        {
            await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
            var partway = await HubTestServer.WaitUntilAsync(
                client, repo.Id, s => s.BytesTotal > 0 && s.BytesDone > s.BytesTotal - size + 16 * 1024, cancellationToken: TestContext.Current.CancellationToken);
            done = partway.BytesDone;
        }

        env.Hub.BytesPerSecond = 0;
        env.Hub.ClearRequests();
        await env.RestartAsync();
        using var restarted = env.CreateClient();
        var final = await HubTestServer.WaitAsync(restarted, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Contains(env.Hub.Requests, r => r.Range is { } range && !range.StartsWith("bytes=0-", StringComparison.Ordinal));
        Assert.True(final.StartedAt > final.CreatedAt);
        Assert.True(done < final.BytesTotal);
    }

    [Fact]
    public async Task Request_GgufRepositoryWithSeveralQuantizations_DownloadsOnlyTheConfiguredOne()
    {
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:GgufQuantization"] = "Q8_0" });
        var repo = env.Hub.AddGguf("test-org/multi-GGUF", ["tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf", "tiny-F16.gguf"]);
        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal("gguf", final.Format);
        Assert.Equal(["tiny-Q8_0.gguf"], final.Files.Select(f => f.Path));
        Assert.Equal(1, repo.Downloads("tiny-Q8_0.gguf"));
        Assert.Equal(0, repo.Downloads("tiny-Q4_K_M.gguf"));
        Assert.Equal(0, repo.Downloads("tiny-F16.gguf"));
    }

    [Fact]
    public async Task Request_RealEmbeddingModel_ServesTheSameVectorsAsTheLocalCopy()
    {
        await using var env = await HubTestServer.StartAsync();
        var folder = Bytez.Engine.Embedded.EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, TestContext.Current.CancellationToken)
            .Single(m => m.Id == ArcticXs).Path;
        var repo = env.Hub.AddFolder("test-org/arctic-embed-xs", folder);
        repo.PipelineTag = "sentence-similarity";
        repo.LibraryName = "sentence-transformers";
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var (_, run, _) = await PostAsync(client, repo.Id, """{"text": "What is a snowflake?"}""");

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal("sentence-similarity", final.Task);
        Assert.DoesNotContain(final.Files, f => f.Path == "bytez-model.json");
        var vector = Vector(AssertOutput(run));
        Assert.Equal(384, vector.Length);
        await using var local = await TestServer.StartAsync();
        using var localClient = local.CreateHttpClient();
        var (_, localRun, _) = await PostAsync(localClient, ArcticXs, """{"text": "What is a snowflake?"}""");
        Assert.True(Cosine(vector, Vector(AssertOutput(localRun))) > 0.999999);
    }

    [Fact]
    public async Task Request_UnknownRepository_FailsSayingNotFound()
    {
        await using var env = await HubTestServer.StartAsync();
        using var client = env.CreateClient();

        var (status, body) = await HubTestServer.RequestAsync(client, "nobody/no-such-model", cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, "nobody/no-such-model", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Job queued", AssertOutput(body).GetString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("not found", final.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("nobody/no-such-model", final.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_GatedRepository_FailsWithoutTokenAndSucceedsWithIt()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("gated-org/tiny-onnx");
        repo.RequiredToken = "hf_test_token";
        using (var client = env.CreateClient())
        {
            await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
            var refused = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(ModelRequestStates.Failed, refused.State);
            Assert.Contains("gated", refused.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("HF_TOKEN", refused.Error, StringComparison.Ordinal);
        }

        await env.RestartAsync(new Dictionary<string, string?> { ["Bytez:Hub:Token"] = "hf_test_token" });
        using var withToken = env.CreateClient();
        var (_, body) = await HubTestServer.RequestAsync(withToken, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(withToken, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Job queued", AssertOutput(body).GetString());
        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Contains(env.Hub.Requests, r => r.Authorization == "Bearer hf_test_token");
    }

    [Fact]
    public async Task Request_RepositoryWithoutUsableWeights_FailsAtOnceSayingWhatIsSupported()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddRepository("test-org/safetensors-only");
        repo.PipelineTag = "text-generation";
        repo.ModelType = "llama";
        repo.AddFile("config.json", Encoding.UTF8.GetBytes("""{"model_type": "llama"}"""));
        repo.AddFile("model.safetensors", RandomNumberGenerator.GetBytes(64 * 1024));
        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("ONNX", final.Error, StringComparison.Ordinal);
        Assert.Contains("GGUF", final.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_UnsupportedTask_FailsNamingTheTasksThisServerRuns()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/video-model");
        repo.PipelineTag = "video-classification";
        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("video-classification", final.Error, StringComparison.Ordinal);
        Assert.Contains("text-generation", final.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_BodyCutOffHalfWay_ResumesFromTheBytesOnDisk()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/cut-onnx");
        var size = repo.Size("onnx/model.onnx");
        repo.CutOnce("onnx/model.onnx", size / 2);
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        var ranges = env.Hub.Requests.Where(r => r.Range is not null).Select(r => r.Range!).ToList();
        Assert.Contains(ranges, r => r.StartsWith("bytes=", StringComparison.Ordinal) && long.Parse(r[6..r.IndexOf('-', StringComparison.Ordinal)]) >= size / 2);
        var (runStatus, _, _) = await PostAsync(client, repo.Id, """{"text": "Hi", "params": {"max_new_tokens": 2}}""");
        Assert.Equal(HttpStatusCode.OK, runStatus);
    }

    [Fact]
    public async Task Request_CorruptedDownload_FailsSayingTheHashDiffersAndKeepsNoBlob()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/corrupt-onnx");
        repo.ServeCorrupted("onnx/model.onnx");
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("SHA-256", final.Error, StringComparison.Ordinal);
        Assert.Contains("onnx/model.onnx", final.Error, StringComparison.Ordinal);
        var sha = final.Files.Single(f => f.Path == "onnx/model.onnx").Sha256!;
        Assert.False(File.Exists(Path.Combine(env.CachePath, "models--test-org--corrupt-onnx", "blobs", sha)));
        var (runStatus, _, _) = await PostAsync(client, repo.Id, """{"text": "Hi"}""");
        Assert.Equal(HttpStatusCode.NotFound, runStatus);
    }

    [Fact]
    public async Task Request_TwiceForOneModel_JoinsTheFirstJobAndDownloadsOnce()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/twice-onnx");
        env.Hub.BytesPerSecond = 2 * repo.Size("onnx/model.onnx");
        using var client = env.CreateClient();

        var (_, first) = await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var (_, second) = await HubTestServer.RequestAsync(client, repo.Id.ToUpperInvariant(), cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Job queued", AssertOutput(first).GetString());
        Assert.Equal("Model is already queued", AssertOutput(second).GetString());
        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(1, repo.Downloads("onnx/model.onnx"));
        var (_, list, _) = await GetAsync(client, "list/requests");
        Assert.Single(AssertOutput(list).EnumerateArray());
    }

    [Fact]
    public async Task Request_MoreModelsThanJobSlots_WaitInTurnAndAllFinish()
    {
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:MaxConcurrentJobs"] = "1" });
        var first = env.Hub.AddOnnxDecoder("test-org/first-onnx");
        var second = env.Hub.AddOnnxDecoder("test-org/second-onnx");
        env.Hub.BytesPerSecond = first.Size("onnx/model.onnx");
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, first.Id, cancellationToken: TestContext.Current.CancellationToken);
        await HubTestServer.WaitUntilAsync(client, first.Id, s => s.State == ModelRequestStates.Downloading, cancellationToken: TestContext.Current.CancellationToken);
        await HubTestServer.RequestAsync(client, second.Id, cancellationToken: TestContext.Current.CancellationToken);
        var waiting = await HubTestServer.GetStatusAsync(client, second.Id, cancellationToken: TestContext.Current.CancellationToken);
        var firstDone = await HubTestServer.WaitAsync(client, first.Id, cancellationToken: TestContext.Current.CancellationToken);
        var secondDone = await HubTestServer.WaitAsync(client, second.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Queued, waiting?.State);
        Assert.True(firstDone.State == ModelRequestStates.Ready, firstDone.Error);
        Assert.True(secondDone.State == ModelRequestStates.Ready, secondDone.Error);
        Assert.True(secondDone.StartedAt >= firstDone.EndedAt);
    }

    [Fact]
    public async Task Start_SeveralJobsLeftDownloading_ResumesNoMoreAtOnceThanTheJobSlots()
    {
        // Three jobs download at once, then the server stops with all three unfinished in the store in the state
        // "downloading" (as a kill -9 leaves them); it starts again with a single job slot.
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:MaxConcurrentJobs"] = "3" });
        var repos = new[] { "test-org/resume-a-onnx", "test-org/resume-b-onnx", "test-org/resume-c-onnx" }.Select(id => env.Hub.AddOnnxDecoder(id)).ToList();
        var size = repos[0].Size("onnx/model.onnx");
        env.Hub.BytesPerSecond = Math.Max(32 * 1024, size / 8);
        var ct = TestContext.Current.CancellationToken;
        using (var client = env.CreateClient())
        {
            foreach (var repo in repos)
            {
                await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: ct);
            }

            foreach (var repo in repos)
            {
                await HubTestServer.WaitUntilAsync(client, repo.Id, s => s.State == ModelRequestStates.Downloading && s.BytesDone > 0, cancellationToken: ct);
            }
        }

        Assert.Equal(3, env.Hub.PeakConcurrentDownloads);
        await env.RestartAsync(new Dictionary<string, string?> { ["Bytez:Hub:MaxConcurrentJobs"] = "1" });
        env.Hub.ResetPeakDownloads();
        using var restarted = env.CreateClient();
        var seen = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var states = new List<string>();
            foreach (var repo in repos)
            {
                states.Add((await HubTestServer.GetStatusAsync(restarted, repo.Id, ct))!.State);
            }

            seen.Add(string.Join(",", states));
            Assert.True(states.Count(s => s is ModelRequestStates.Resolving or ModelRequestStates.Downloading or ModelRequestStates.Verifying) <= 1, string.Join(" | ", seen));
            await Task.Delay(100, ct);
        }

        env.Hub.BytesPerSecond = 0;
        foreach (var repo in repos)
        {
            var final = await HubTestServer.WaitAsync(restarted, repo.Id, cancellationToken: ct);
            Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        }

        Assert.Equal(1, env.Hub.PeakConcurrentDownloads);
    }

    [Fact]
    public async Task Request_HubUnreachable_IsResolvingWithRetriesAndTheNextAttemptTime()
    {
        // Nothing listens on port 1 of loopback: every connection is refused.
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:Hub:Endpoint"] = "http://127.0.0.1:1",
            ["Bytez:Hub:MaxAttempts"] = "4",
            ["Bytez:Hub:RetryDelay"] = "00:00:00.400",
            ["Bytez:Hub:MaxRetryDelay"] = "00:00:00.400",
        });
        using var client = env.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        await HubTestServer.RequestAsync(client, "test-org/unreachable-onnx", cancellationToken: ct);
        var retrying = await HubTestServer.WaitUntilAsync(client, "test-org/unreachable-onnx", s => s.Retries >= 1 || ModelRequestStates.IsFinal(s.State), cancellationToken: ct);
        var final = await HubTestServer.WaitAsync(client, "test-org/unreachable-onnx", cancellationToken: ct);

        Assert.Equal(ModelRequestStates.Resolving, retrying.State);
        Assert.Equal(0, retrying.BytesTotal);
        Assert.NotNull(retrying.NextAttemptAt);
        Assert.True(retrying.NextAttemptAt > retrying.StartedAt);
        Assert.False(string.IsNullOrEmpty(retrying.RetryReason));
        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Equal(3, final.Retries);
        Assert.Null(final.NextAttemptAt);
        Assert.Contains("kept failing", final.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_FileFailingTwice_CountsTheRetriesInTheStatus()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/flaky-onnx");
        repo.FailNext("onnx/model.onnx", 503, times: 2);

        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(2, final.Retries);
        Assert.Contains("503", final.RetryReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterRequestsForManyUnknownIds_CountsThemUnderOneLabel()
    {
        await using var env = await HubTestServer.StartAsync();
        var known = env.Hub.AddOnnxDecoder("test-org/known-onnx");
        var ct = TestContext.Current.CancellationToken;
        using var client = env.CreateClient();
        var unknown = Enumerable.Range(0, 12).Select(i => $"nobody-{i}/missing-{i}").ToList();

        Assert.True((await env.RequestAndWaitAsync(known.Id, cancellationToken: ct)).State == ModelRequestStates.Ready);
        var (knownRun, _, _) = await PostAsync(client, known.Id, """{"text": "Hi", "params": {"max_new_tokens": 1}}""");
        foreach (var id in unknown)
        {
            await HubTestServer.RequestAsync(client, id, cancellationToken: ct);
            var (runStatus, _, _) = await PostAsync(client, id, """{"text": "Hi"}""");
            Assert.Equal(HttpStatusCode.NotFound, runStatus);
        }

        foreach (var id in unknown)
        {
            Assert.Equal(ModelRequestStates.Failed, (await HubTestServer.WaitAsync(client, id, cancellationToken: ct)).State);
        }

        using var scraper = new HttpClient { BaseAddress = env.Server.BaseAddress };
        var metrics = await MetricsExposition.ScrapeUntilAsync(
            scraper, "metrics", m => m.Named("bytez_model_requests_total").Where(s => s.Labels.GetValueOrDefault("model") == "other").Sum(s => s.Value) >= unknown.Count);

        Assert.Equal(HttpStatusCode.OK, knownRun);
        var labels = metrics.Samples.Select(s => s.Labels.GetValueOrDefault("model")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(labels, label => label.StartsWith("nobody-", StringComparison.Ordinal));
        Assert.Contains(metrics.Named("bytez_model_requests_total"), s => s.Labels.GetValueOrDefault("model") == known.Id && s.Labels.GetValueOrDefault("outcome") == "ready");
        Assert.Contains(metrics.Named("bytez_requests_total"), s => s.Labels.GetValueOrDefault("model") == known.Id);
    }

    [Fact]
    public async Task Request_WithWebhook_CallsItWithTheFinalStatus()
    {
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:AllowPrivateWebhooks"] = "true" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/hooked-onnx");
        using var client = env.CreateClient();

        var (status, _) = await HubTestServer.RequestAsync(client, repo.Id, JsonSerializer.Serialize(new { webhook = receiver.Url }), cancellationToken: TestContext.Current.CancellationToken);
        var delivered = await receiver.NextAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(repo.Id, delivered.ModelId);
        Assert.Equal(ModelRequestStates.Ready, delivered.State);
        Assert.True(delivered.RamRequired > 0);
    }

    [Fact]
    public async Task Cancel_RunningDownload_FailsTheJobAndKeepsThePartialFileForLater()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/cancel-onnx");
        var size = repo.Size("onnx/model.onnx");
        env.Hub.BytesPerSecond = Math.Max(32 * 1024, size / 20);
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        await HubTestServer.WaitUntilAsync(client, repo.Id, s => s.BytesTotal > 0 && s.BytesDone > s.BytesTotal - size + 16 * 1024 && s.State == ModelRequestStates.Downloading, cancellationToken: TestContext.Current.CancellationToken);
        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, "request/" + repo.Id);
        var cancelled = AssertOutput(body).Deserialize(ProtocolJsonContext.Default.ModelRequestStatus)!;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ModelRequestStates.Failed, cancelled.State);
        Assert.Equal("Cancelled", cancelled.Error);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(env.CachePath, "models--test-org--cancel-onnx", "blobs"), "*.incomplete"));

        // A later request picks up where it stopped.
        env.Hub.BytesPerSecond = 0;
        var (_, again) = await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("Job queued", AssertOutput(again).GetString());
        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Contains(env.Hub.Requests, r => r.Range is { } range && !range.StartsWith("bytes=0-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_WeightsThatDoNotLoad_FailsWithTheEnginesReason()
    {
        await using var env = await HubTestServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("bytez-broken-").FullName;
        OnnxDecoderModelWriter.Write(folder);
        File.WriteAllBytes(Path.Combine(folder, "onnx", "model.onnx"), RandomNumberGenerator.GetBytes(32 * 1024));
        var repo = env.Hub.AddFolder("test-org/broken-onnx", folder);
        repo.PipelineTag = "text-generation";
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("could not be loaded or run", final.Error, StringComparison.Ordinal);
        var (_, models, _) = await GetAsync(client, "list/models");
        Assert.DoesNotContain(AssertOutput(models).EnumerateArray(), m => m.GetProperty("modelId").GetString() == repo.Id);
    }

    [Fact]
    public async Task Request_ModelAboveTheSizeCap_FailsNamingTheOption()
    {
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:MaxModelBytes"] = "1000" });
        var repo = env.Hub.AddOnnxDecoder("test-org/big-onnx");
        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("Bytez:Hub:MaxModelBytes", final.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_NotEnoughDiskSpace_FailsBeforeDownloading()
    {
        await using var env = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Hub:MinFreeDiskBytes"] = (1L << 60).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var repo = env.Hub.AddOnnxDecoder("test-org/no-room-onnx");
        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("free", final.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_PinnedToACommit_DownloadsThatCommit()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/pinned-onnx");
        using var client = env.CreateClient();

        var (status, _) = await HubTestServer.RequestAsync(client, repo.Id, JsonSerializer.Serialize(new { revision = repo.Commit }), cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(repo.Commit, final.Revision);
        Assert.Equal(repo.Commit, final.Commit);
        Assert.Contains(env.Hub.Requests, r => r.Path.StartsWith($"/api/models/{repo.Id}/revision/{repo.Commit}", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(env.CachePath, "models--test-org--pinned-onnx", "snapshots", repo.Commit)));
    }

    [Fact]
    public async Task Request_UnknownRevision_FailsNamingIt()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/revisions-onnx");
        var final = await env.RequestAndWaitAsync(repo.Id, """{"revision": "v9.9"}""", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("v9.9", final.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ModelAlreadyInTheHuggingFaceCache_IsVerifiedAndServedWithoutDownloading()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/cached-onnx");
        await WriteAsPythonWouldAsync(env, repo);
        using var client = env.CreateClient();

        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal) || r.Path.Contains("/cdn-lfs/", StringComparison.Ordinal));
        var (runStatus, _, _) = await PostAsync(client, repo.Id, """{"text": "Hi", "params": {"max_new_tokens": 2}}""");
        Assert.Equal(HttpStatusCode.OK, runStatus);
    }

    /// <summary>
    /// Fills the cache the way huggingface_hub's snapshot_download leaves it, without this server's code: blobs named by
    /// their hash (SHA-256 for LFS files, the git blob id for others), snapshot entries as relative links, refs/main.
    /// </summary>
    private static async Task WriteAsPythonWouldAsync(HubTestServer env, FakeRepository repo)
    {
        using var http = new HttpClient { BaseAddress = new Uri(env.Hub.Endpoint) };
        using var metadata = JsonDocument.Parse(await http.GetStringAsync($"/api/models/{repo.Id}?blobs=true", TestContext.Current.CancellationToken));
        var folder = Path.Combine(env.CachePath, "models--" + repo.Id.Replace("/", "--", StringComparison.Ordinal));
        foreach (var sibling in metadata.RootElement.GetProperty("siblings").EnumerateArray())
        {
            var path = sibling.GetProperty("rfilename").GetString()!;
            var blobName = sibling.TryGetProperty("lfs", out var lfs) ? lfs.GetProperty("sha256").GetString()! : sibling.GetProperty("blobId").GetString()!;
            var bytes = await http.GetByteArrayAsync($"/{repo.Id}/resolve/main/{path}", TestContext.Current.CancellationToken);
            var blob = Path.Combine(folder, "blobs", blobName);
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            await File.WriteAllBytesAsync(blob, bytes, TestContext.Current.CancellationToken);
            var link = Path.Combine(folder, "snapshots", repo.Commit, path);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }

        Directory.CreateDirectory(Path.Combine(folder, "refs"));
        await File.WriteAllTextAsync(Path.Combine(folder, "refs", "main"), repo.Commit, TestContext.Current.CancellationToken);
        env.Hub.ClearRequests();
    }

    private static async Task<JsonElement> FindListedAsync(HttpClient client, string modelId)
    {
        var (_, body, _) = await GetAsync(client, "list/models");
        return AssertOutput(body).EnumerateArray().Single(m => string.Equals(m.GetProperty("modelId").GetString(), modelId, StringComparison.OrdinalIgnoreCase));
    }
}
