using System.Net;
using Bytez.Protocol;

namespace Bytez.Tests;

public sealed class ModelRequestTests
{
    private const string RequestUrl = "http://bytez.test/models/v2/request/BAAI/bge-small-en-v1.5";
    private const string ModelId = "BAAI/bge-small-en-v1.5";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Status(string state, long done = 0, long total = 0, string? error = null, string modelId = ModelId)
    {
        var extra = error is null ? "" : $",\"error\":\"{error}\"";
        var measured = state == "ready" ? ",\"task\":\"feature-extraction\",\"ramRequired\":0.25,\"params\":0.0334" : "";
        return $$"""
            {"modelId":"{{modelId}}","state":"{{state}}","revision":"main","format":"onnx",
             "files":[{"path":"onnx/model.onnx","size":{{total}},"sha256":"ab"}],
             "bytesDone":{{done}},"bytesTotal":{{total}},"createdAt":"2026-03-01T10:00:00Z",
             "updatedAt":"2026-03-01T10:00:01Z"{{extra}}{{measured}}}
            """;
    }

    private static string Answer(string output) => $$"""{"error":null,"output":{{output}}}""";

    private static (HttpStatusCode, string) Ok(string output) => (HttpStatusCode.OK, Answer(output));

    /// <summary>An <see cref="IProgress{T}"/> that records synchronously (unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Recorder : IProgress<ModelRequestStatus>
    {
        public List<ModelRequestStatus> Seen { get; } = [];

        public void Report(ModelRequestStatus value) => Seen.Add(value);
    }

    // ---- Request ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task RequestModelAsync_Options_PostsRevisionAndWebhook()
    {
        var handler = FakeHandler.Json(Answer("\"Job queued\""));
        using var client = TestClients.Create(handler);

        var result = await client.RequestModelAsync(
            ModelId, new ModelRequestOptions { Revision = "v1.0", Webhook = "https://example.test/hook" }, Ct);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(RequestUrl, request.Uri.AbsoluteUri);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("Key test-key", request.Header("Authorization"));
        Assert.Equal("""{"revision":"v1.0","webhook":"https://example.test/hook"}""", request.Body);
        Assert.Equal("Job queued", result.GetText());
    }

    [Fact]
    public async Task RequestModelAsync_NullOptions_PostsWithoutBody()
    {
        var handler = FakeHandler.Json(Answer("\"Model is already queued\""));
        using var client = TestClients.Create(handler);

        var result = await client.RequestModelAsync(ModelId, options: null, Ct);

        Assert.Null(handler.Single.Body);
        Assert.Null(handler.Single.ContentType);
        Assert.Equal("Model is already queued", result.GetText());
    }

    [Fact]
    public async Task RequestModelAsync_OnlyRevision_LeavesWebhookOut()
    {
        var handler = FakeHandler.Json(Answer("\"Job queued\""));
        using var client = TestClients.Create(handler);

        await client.RequestModelAsync(ModelId, new ModelRequestOptions { Revision = "main" }, Ct);

        Assert.Equal("""{"revision":"main"}""", handler.Single.Body);
    }

    [Fact]
    public async Task RequestModelAsync_InvalidWebhook_ReturnsServerError()
    {
        var handler = FakeHandler.Json("""{"error":"webhook must be an http(s) URL","output":null}""", HttpStatusCode.BadRequest);
        using var client = TestClients.Create(handler);

        var result = await client.RequestModelAsync(ModelId, new ModelRequestOptions { Webhook = "ftp://x" }, Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.Equal("webhook must be an http(s) URL", result.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("org//name")]
    [InlineData("org/../name")]
    public async Task RequestModelAsync_InvalidId_ThrowsArgumentException(string modelId)
    {
        using var client = TestClients.Create(FakeHandler.Json(Answer("null")));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.RequestModelAsync(modelId, new ModelRequestOptions(), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.GetRequestAsync(modelId, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.WaitForModelAsync(modelId, cancellationToken: Ct));
    }

    // ---- Get, cancel, list -----------------------------------------------------------------------------------

    [Fact]
    public async Task GetRequestAsync_Downloading_GetsAndReadsStatus()
    {
        var handler = FakeHandler.Json(Answer(Status("downloading", 100, 400)));
        using var client = TestClients.Create(handler);

        var result = await client.GetRequestAsync(ModelId, Ct);

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal(RequestUrl, handler.Single.Uri.AbsoluteUri);
        Assert.Null(handler.Single.Body);
        var status = result.EnsureSuccess().Output!;
        Assert.Equal(ModelId, status.ModelId);
        Assert.Equal(ModelRequestStates.Downloading, status.State);
        Assert.Equal(100, status.BytesDone);
        Assert.Equal(400, status.BytesTotal);
        Assert.Equal("onnx", status.Format);
        var file = Assert.Single(status.Files);
        Assert.Equal("onnx/model.onnx", file.Path);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), status.CreatedAt);
    }

    [Fact]
    public async Task GetRequestAsync_EscapedCharacters_KeepsSlashAndEscapesSegments()
    {
        var handler = FakeHandler.Json(Answer(Status("queued")));
        using var client = TestClients.Create(handler);

        await client.GetRequestAsync("my org/a b#c", Ct);

        Assert.Equal("http://bytez.test/models/v2/request/my%20org/a%20b%23c", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task GetRequestAsync_NoRequest_ReturnsNotFoundError()
    {
        var handler = FakeHandler.Json("""{"error":"No request for BAAI/bge-small-en-v1.5","output":null}""", HttpStatusCode.NotFound);
        using var client = TestClients.Create(handler);

        var result = await client.GetRequestAsync(ModelId, Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        Assert.Equal("No request for BAAI/bge-small-en-v1.5", result.Error);
        Assert.Null(result.Output);
    }

    [Fact]
    public async Task CancelRequestAsync_Unfinished_DeletesAndReturnsFailedStatus()
    {
        var handler = FakeHandler.Json(Answer(Status("failed", 100, 400, error: "Cancelled")));
        using var client = TestClients.Create(handler);

        var result = await client.CancelRequestAsync(ModelId, Ct);

        Assert.Equal(HttpMethod.Delete, handler.Single.Method);
        Assert.Equal(RequestUrl, handler.Single.Uri.AbsoluteUri);
        Assert.Null(handler.Single.Body);
        var status = result.EnsureSuccess().Output!;
        Assert.Equal(ModelRequestStates.Failed, status.State);
        Assert.Equal("Cancelled", status.Error);
    }

    [Fact]
    public async Task RequestsAsync_TwoRequests_GetsListRequestsInOrder()
    {
        var handler = FakeHandler.Json(Answer($"[{Status("downloading", 1, 2, modelId: "a/new")},{Status("ready", 2, 2, modelId: "b/old")}]"));
        using var client = TestClients.Create(handler);

        var result = await client.List.RequestsAsync(Ct);

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal("http://bytez.test/models/v2/list/requests", handler.Single.Uri.AbsoluteUri);
        var requests = result.EnsureSuccess().Output!;
        Assert.Equal(["a/new", "b/old"], requests.Select(r => r.ModelId));
        Assert.Equal(0.0334, requests[1].Params);
    }

    // ---- Wait ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task WaitForModelAsync_ToReady_ReportsEveryStateAndPollsOnTheClock()
    {
        var clock = new ManualTimeProvider();
        var handler = TestClients.Scripted(
            Ok(Status("queued")),
            Ok(Status("downloading", 0, 400)),
            Ok(Status("downloading", 200, 400)),
            Ok(Status("verifying", 400, 400)),
            Ok(Status("measuring", 400, 400)),
            Ok(Status("ready", 400, 400)));
        using var client = TestClients.Create(handler, timeProvider: clock);
        var progress = new Recorder();

        var ready = await clock.DriveAsync(client.WaitForModelAsync(ModelId, progress, cancellationToken: Ct), Interval);

        Assert.Equal(ModelRequestStates.Ready, ready.State);
        Assert.Equal("feature-extraction", ready.Task);
        Assert.Equal(0.25, ready.RamRequired);
        Assert.Equal(
            ["queued", "downloading", "downloading", "verifying", "measuring", "ready"],
            progress.Seen.Select(s => s.State));
        Assert.Equal([0L, 0, 200, 400, 400, 400], progress.Seen.Select(s => s.BytesDone));
        Assert.Equal(6, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(HttpMethod.Get, r.Method));
        Assert.Equal(TimeSpan.FromSeconds(5), clock.Elapsed);
    }

    [Fact]
    public async Task WaitForModelAsync_PollInterval_WaitsThatLong()
    {
        var clock = new ManualTimeProvider();
        var handler = TestClients.Scripted(Ok(Status("queued")), Ok(Status("ready")));
        using var client = TestClients.Create(handler, timeProvider: clock);
        var interval = TimeSpan.FromSeconds(7);

        await clock.DriveAsync(client.WaitForModelAsync(ModelId, pollInterval: interval, cancellationToken: Ct), interval);

        Assert.Equal(interval, clock.Elapsed);
    }

    [Fact]
    public async Task WaitForModelAsync_Failed_ThrowsWithTheJobsReason()
    {
        var clock = new ManualTimeProvider();
        var handler = TestClients.Scripted(
            Ok(Status("downloading", 10, 400)),
            Ok(Status("failed", 10, 400, error: "No ONNX or GGUF weights in the repository")));
        using var client = TestClients.Create(handler, timeProvider: clock);
        var progress = new Recorder();

        var exception = await Assert.ThrowsAsync<BytezException>(
            () => clock.DriveAsync(client.WaitForModelAsync(ModelId, progress, cancellationToken: Ct), Interval));

        Assert.Equal("No ONNX or GGUF weights in the repository", exception.Message);
        Assert.Equal(["downloading", "failed"], progress.Seen.Select(s => s.State));
    }

    [Fact]
    public async Task WaitForModelAsync_NotFound_ThrowsWithStatusCode()
    {
        var handler = FakeHandler.Json("""{"error":"No request for BAAI/bge-small-en-v1.5","output":null}""", HttpStatusCode.NotFound);
        using var client = TestClients.Create(handler);

        var exception = await Assert.ThrowsAsync<BytezException>(() => client.WaitForModelAsync(ModelId, cancellationToken: Ct));

        Assert.Equal("No request for BAAI/bge-small-en-v1.5", exception.Message);
        Assert.Equal(HttpStatusCode.NotFound, exception.StatusCode);
    }

    [Fact]
    public async Task WaitForModelAsync_ConnectionFails_ThrowsWithoutStatusCode()
    {
        var handler = new FakeHandler((_, _) => throw new HttpRequestException("Connection refused (bytez.test:80)"));
        using var client = TestClients.Create(handler);

        var exception = await Assert.ThrowsAsync<BytezException>(() => client.WaitForModelAsync(ModelId, cancellationToken: Ct));

        Assert.Equal("Connection refused (bytez.test:80)", exception.Message);
        Assert.Null(exception.StatusCode);
    }

    [Fact]
    public async Task WaitForModelAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        var clock = new ManualTimeProvider();
        var handler = TestClients.Scripted(Ok(Status("downloading", 1, 400)));
        using var client = TestClients.Create(handler, timeProvider: clock);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var progress = new Recorder();

        var wait = client.WaitForModelAsync(ModelId, progress, cancellationToken: cancel.Token);
        Assert.Equal(Interval, await clock.Created.Reader.ReadAsync(Ct));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Single(progress.Seen);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task WaitForModelAsync_NonPositiveInterval_ThrowsArgumentOutOfRange()
    {
        using var client = TestClients.Create(FakeHandler.Json(Answer(Status("ready"))));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => client.WaitForModelAsync(ModelId, pollInterval: TimeSpan.Zero, cancellationToken: Ct));
    }

    // ---- Request and wait ------------------------------------------------------------------------------------

    [Fact]
    public async Task RequestModelAndWaitAsync_JobQueued_PostsThenPollsToReady()
    {
        var clock = new ManualTimeProvider();
        var handler = TestClients.Scripted(
            Ok("\"Job queued\""),
            Ok(Status("downloading", 0, 400)),
            Ok(Status("ready", 400, 400)));
        using var client = TestClients.Create(handler, timeProvider: clock);
        var progress = new Recorder();

        var ready = await clock.DriveAsync(client.RequestModelAndWaitAsync(ModelId, progress, new ModelRequestOptions { Revision = "v2" }, Ct), Interval);

        Assert.Equal(ModelRequestStates.Ready, ready.State);
        Assert.Equal([HttpMethod.Post, HttpMethod.Get, HttpMethod.Get], handler.Requests.Select(r => r.Method));
        Assert.Equal("""{"revision":"v2"}""", handler.Requests[0].Body);
        Assert.Equal(["downloading", "ready"], progress.Seen.Select(s => s.State));
    }

    [Fact]
    public async Task RequestModelAndWaitAsync_ModelAvailableWithReadyRequest_ReturnsItAtOnce()
    {
        var handler = TestClients.Scripted(Ok("\"Model available\""), Ok(Status("ready", 400, 400)));
        using var client = TestClients.Create(handler);
        var progress = new Recorder();

        var ready = await client.RequestModelAndWaitAsync(ModelId, progress, cancellationToken: Ct);

        Assert.Equal(ModelRequestStates.Ready, ready.State);
        Assert.Equal(0.0334, ready.Params);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Same(ready, Assert.Single(progress.Seen));
    }

    [Fact]
    public async Task RequestModelAndWaitAsync_ModelAvailableWithoutRequest_SynthesizesReadyFromCatalog()
    {
        var handler = TestClients.Scripted(
            Ok("\"Model available\""),
            (HttpStatusCode.NotFound, """{"error":"No request","output":null}"""),
            Ok("""[{"modelId":"BAAI/bge-small-en-v1.5","task":"feature-extraction","params":0.0334,"ramRequired":0.2,"meter":"micro","meterPrice":"0 / sec"}]"""));
        using var client = TestClients.Create(handler);

        var ready = await client.RequestModelAndWaitAsync(ModelId, cancellationToken: Ct);

        Assert.Equal(ModelId, ready.ModelId);
        Assert.Equal(ModelRequestStates.Ready, ready.State);
        Assert.Equal("feature-extraction", ready.Task);
        Assert.Equal(0.2, ready.RamRequired);
        Assert.Equal(0.0334, ready.Params);
        Assert.Equal(
            "http://bytez.test/models/v2/list/models?modelId=BAAI%2Fbge-small-en-v1.5", handler.Requests[2].Uri.AbsoluteUri);
    }

    [Fact]
    public async Task RequestModelAndWaitAsync_Refused_ThrowsWithServerError()
    {
        var handler = FakeHandler.Json("""{"error":"Invalid model id","output":null}""", HttpStatusCode.BadRequest);
        using var client = TestClients.Create(handler);

        var exception = await Assert.ThrowsAsync<BytezException>(() => client.RequestModelAndWaitAsync(ModelId, cancellationToken: Ct));

        Assert.Equal("Invalid model id", exception.Message);
        Assert.Equal(HttpStatusCode.BadRequest, exception.StatusCode);
        Assert.Single(handler.Requests);
    }
}
