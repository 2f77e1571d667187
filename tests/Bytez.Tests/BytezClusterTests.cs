using System.Net;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Tests;

public sealed class BytezClusterTests
{
    private const string ModelUrl = "http://bytez.test/models/v2/openai-community/gpt2";
    private const string LoadingAnswer = """{"error":null,"output":"Loading"}""";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Cluster(string status, string? failure = null)
    {
        var instances = status == "running" ? 1 : 0;
        var extra = failure is null ? "" : $",\"failure\":\"{failure}\"";
        return $$"""
            {"error":null,"output":{"modelId":"openai-community/gpt2","status":"{{status}}",
              "created":"2026-03-01T10:00:00Z","modified":"2026-03-01T10:00:05.5Z","timeout":10,
              "capacity":{"min":0,"desired":1,"max":2},"instances":{{instances}},"inferences":3,
              "lastInference":null{{extra}}} }
            """;
    }

    private static (HttpStatusCode, string) Ok(string body) => (HttpStatusCode.OK, body);

    private static (HttpStatusCode, string) Accepted => (HttpStatusCode.Accepted, LoadingAnswer);

    // ---- Create ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateClusterAsync_Request_PutsBodyAndReturnsLoading()
    {
        var handler = FakeHandler.Json(LoadingAnswer, HttpStatusCode.Accepted);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").CreateClusterAsync(
            new ClusterRequest { Timeout = 10, Capacity = new ClusterCapacity { Min = 0, Desired = 1, Max = 2 } }, Ct);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal(ModelUrl, request.Uri.AbsoluteUri);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("Key test-key", request.Header("Authorization"));
        Assert.Equal("""{"timeout":10,"capacity":{"min":0,"desired":1,"max":2}}""", request.Body);
        Assert.True(result.IsSuccess);
        Assert.Equal(HttpStatusCode.Accepted, result.StatusCode);
        Assert.Equal("Loading", result.GetText());
    }

    [Fact]
    public async Task CreateClusterAsync_NoRequest_PutsEmptyObject()
    {
        var handler = FakeHandler.Json(LoadingAnswer, HttpStatusCode.Accepted);
        using var client = TestClients.Create(handler);

        await client.Model("openai-community/gpt2").CreateClusterAsync(cancellationToken: Ct);

        Assert.Equal("{}", handler.Single.Body);
    }

    [Fact]
    public async Task CreateClusterAsync_Config_SendsItUnchanged()
    {
        var handler = FakeHandler.Json(LoadingAnswer, HttpStatusCode.Accepted);
        using var client = TestClients.Create(handler);
        using var config = JsonDocument.Parse("""{"torch_dtype":"float16","trust_remote_code":true}""");

        await client.Model("openai-community/gpt2").CreateClusterAsync(new ClusterRequest { Config = config.RootElement }, Ct);

        Assert.Equal("""{"config":{"torch_dtype":"float16","trust_remote_code":true}}""", handler.Single.Body);
    }

    [Fact]
    public async Task CreateClusterAsync_ErrorEnvelope_ReturnsErrorWithoutThrowing()
    {
        var handler = FakeHandler.Json("""{"error":"Cluster already exists","output":null}""", HttpStatusCode.BadRequest);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").CreateClusterAsync(cancellationToken: Ct);

        Assert.Equal("Cluster already exists", result.Error);
        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
    }

    // ---- Status ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task StatusAsync_Cluster_GetsAndParses()
    {
        var handler = FakeHandler.Json(Cluster("running"));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").StatusAsync(Ct);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(ModelUrl, request.Uri.AbsoluteUri);
        Assert.Null(request.Body);
        var cluster = result.EnsureSuccess().Output!;
        Assert.Equal("openai-community/gpt2", cluster.ModelId);
        Assert.Equal(ClusterStatuses.Running, cluster.Status);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), cluster.Created);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 5, 500, TimeSpan.Zero), cluster.Modified);
        Assert.Equal(10, cluster.Timeout);
        Assert.Equal((0, 1, 2), (cluster.Capacity.Min, cluster.Capacity.Desired, cluster.Capacity.Max));
        Assert.Equal(1, cluster.Instances);
        Assert.Equal(3, cluster.Inferences);
        Assert.Null(cluster.LastInference);
        Assert.Null(cluster.Failure);
    }

    [Fact]
    public async Task StatusAsync_ModelIdSegments_AreEscapedButSlashKept()
    {
        var handler = FakeHandler.Json(Cluster("running"));
        using var client = TestClients.Create(handler);

        await client.Model("org/name with space").StatusAsync(Ct);

        Assert.Equal("http://bytez.test/models/v2/org/name%20with%20space", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task StatusAsync_ErrorEnvelope_ReturnsErrorWithoutThrowing()
    {
        var handler = FakeHandler.Json("""{"error":"Cluster not found","output":null}""", HttpStatusCode.NotFound);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").StatusAsync(Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal("Cluster not found", result.Error);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        Assert.Null(result.Output);
        Assert.Contains("Cluster not found", result.ResponseBody, StringComparison.Ordinal);
        Assert.Throws<BytezException>(() => result.EnsureSuccess());
    }

    [Fact]
    public async Task StatusAsync_OutputNotACluster_ReturnsError()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":"Loading"}""");
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").StatusAsync(Ct);

        Assert.False(result.IsSuccess);
        Assert.StartsWith("The output is not ClusterInfo", result.Error, StringComparison.Ordinal);
    }

    // ---- Update ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task UpdateAsync_StatusOff_PatchesAndParses()
    {
        var handler = FakeHandler.Json(Cluster("off"));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").UpdateAsync(new ClusterRequest { Status = "off" }, Ct);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Patch, request.Method);
        Assert.Equal(ModelUrl, request.Uri.AbsoluteUri);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("""{"status":"off"}""", request.Body);
        Assert.Equal(ClusterStatuses.Off, result.EnsureSuccess().Output!.Status);
    }

    [Fact]
    public async Task UpdateAsync_TimeoutAndCapacity_SendsThem()
    {
        var handler = FakeHandler.Json(Cluster("running"));
        using var client = TestClients.Create(handler);

        await client.Model("openai-community/gpt2").UpdateAsync(
            new ClusterRequest { Timeout = 30, Capacity = new ClusterCapacity { Min = 1, Desired = 2, Max = 4 }, Status = "on" }, Ct);

        Assert.Equal("""{"timeout":30,"capacity":{"min":1,"desired":2,"max":4},"status":"on"}""", handler.Single.Body);
    }

    [Fact]
    public async Task UpdateAsync_ErrorEnvelope_ReturnsError()
    {
        var handler = FakeHandler.Json("""{"error":"timeout must be between 1 and 1440","output":null}""", HttpStatusCode.BadRequest);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").UpdateAsync(new ClusterRequest { Timeout = 0 }, Ct);

        Assert.Equal("timeout must be between 1 and 1440", result.Error);
        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
    }

    [Fact]
    public async Task UpdateAsync_NullRequest_Throws()
    {
        using var client = TestClients.Create(FakeHandler.Json("{}"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.Model("a/b").UpdateAsync(null!, Ct));
    }

    // ---- Shutdown --------------------------------------------------------------------------------------------

    [Fact]
    public async Task ShutdownAsync_Deletes_OutputNull()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":null}""");
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").ShutdownAsync(Ct);

        var request = handler.Single;
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal(ModelUrl, request.Uri.AbsoluteUri);
        Assert.Null(request.Body);
        Assert.True(result.IsSuccess);
        Assert.Null(result.Output);
    }

    [Fact]
    public async Task ShutdownAsync_ErrorEnvelope_ReturnsError()
    {
        var handler = FakeHandler.Json("""{"error":"Cluster not found","output":null}""", HttpStatusCode.NotFound);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").ShutdownAsync(Ct);

        Assert.Equal("Cluster not found", result.Error);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
    }

    // ---- List ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ClustersAsync_GetsListClustersAndParses()
    {
        var handler = FakeHandler.Json("""
            {"error":null,"output":[
              {"modelId":"openai-community/gpt2","status":"running","created":"2026-03-01T10:00:00Z","modified":"2026-03-01T10:00:00Z",
               "timeout":10,"capacity":{"min":0,"desired":1,"max":1},"instances":1,"inferences":7,"lastInference":"2026-03-01T10:01:00Z"},
              {"modelId":"BAAI/bge-small-en-v1.5","status":"failed","created":"2026-03-01T10:00:00Z","modified":"2026-03-01T10:00:00Z",
               "timeout":5,"capacity":{"min":0,"desired":1,"max":1},"instances":0,"inferences":0,"lastInference":null,"failure":"Out of memory"}
            ]}
            """);
        using var client = TestClients.Create(handler);

        var result = await client.List.ClustersAsync(Ct);

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal("http://bytez.test/models/v2/list/clusters", handler.Single.Uri.AbsoluteUri);
        var clusters = result.EnsureSuccess().Output!;
        Assert.Equal(2, clusters.Count);
        Assert.Equal(7, clusters[0].Inferences);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 1, 0, TimeSpan.Zero), clusters[0].LastInference);
        Assert.Equal(ClusterStatuses.Failed, clusters[1].Status);
        Assert.Equal("Out of memory", clusters[1].Failure);
    }

    [Fact]
    public async Task ClustersAsync_Empty_ReturnsEmptyList()
    {
        using var client = TestClients.Create(FakeHandler.Json("""{"error":null,"output":[]}"""));
        Assert.Empty((await client.List.ClustersAsync(Ct)).EnsureSuccess().Output!);
    }

    [Fact]
    public async Task ClustersAsync_ErrorEnvelope_ReturnsError()
    {
        using var client = TestClients.Create(FakeHandler.Json("""{"error":"Unauthorized","output":null}""", HttpStatusCode.Unauthorized));

        var result = await client.List.ClustersAsync(Ct);

        Assert.Equal("Unauthorized", result.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Null(result.Output);
    }

    // ---- Load ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task LoadAsync_LoadingThenRunning_PutsThenPollsUntilRunning()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("loading")), Ok(Cluster("loading")), Ok(Cluster("running")));
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);

        var result = await clock.DriveAsync(
            client.Model("openai-community/gpt2").LoadAsync(new ClusterRequest { Timeout = 10 }, TimeSpan.FromMinutes(1), Interval, Ct),
            Interval);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(ClusterStatuses.Running, result.Output!.Status);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal([HttpMethod.Put, HttpMethod.Get, HttpMethod.Get, HttpMethod.Get], handler.Requests.Select(r => r.Method));
        Assert.All(handler.Requests, r => Assert.Equal(ModelUrl, r.Uri.AbsoluteUri));
        Assert.Equal("""{"timeout":10}""", handler.Requests[0].Body);
        Assert.Equal(TimeSpan.FromSeconds(2), clock.Elapsed);
    }

    [Fact]
    public async Task LoadAsync_AlreadyRunning_ReturnsAfterOneRead()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("running")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.True(result.IsSuccess);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("{}", handler.Requests[0].Body);
    }

    [Fact]
    public async Task LoadAsync_StoppedAndUnknownStatuses_KeepPolling()
    {
        var handler = TestClients.Scripted(
            Accepted, Ok(Cluster("stopped")), Ok(Cluster("booting instance")), Ok(Cluster("RUNNING")));
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);

        var result = await clock.DriveAsync(client.Model("openai-community/gpt2").LoadAsync(pollInterval: Interval, cancellationToken: Ct), Interval);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task LoadAsync_Failed_ReturnsFailureReasonAndStops()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("loading")), Ok(Cluster("failed", "Not enough memory: needs 16 GB, 4 GB free")));
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);

        var result = await clock.DriveAsync(client.Model("openai-community/gpt2").LoadAsync(pollInterval: Interval, cancellationToken: Ct), Interval);

        Assert.False(result.IsSuccess);
        Assert.Equal("Not enough memory: needs 16 GB, 4 GB free", result.Error);
        Assert.Equal(ClusterStatuses.Failed, result.Output!.Status);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Throws<BytezException>(() => result.EnsureSuccess());
    }

    [Fact]
    public async Task LoadAsync_FailedWithoutReason_SaysItFailed()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("failed")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.Equal("The cluster of openai-community/gpt2 failed to load.", result.Error);
    }

    [Fact]
    public async Task LoadAsync_Off_ReturnsErrorWithoutWaiting()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("off")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.Contains("is off", result.Error, StringComparison.Ordinal);
        Assert.Equal(ClusterStatuses.Off, result.Output!.Status);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task LoadAsync_NeverRunning_TimesOutWithLastStatus()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("loading")));
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);

        var result = await clock.DriveAsync(
            client.Model("openai-community/gpt2").LoadAsync(timeout: TimeSpan.FromSeconds(5), pollInterval: Interval, cancellationToken: Ct),
            Interval);

        Assert.False(result.IsSuccess);
        Assert.Equal("The cluster of openai-community/gpt2 was not running after 00:00:05; its last status was 'loading'.", result.Error);
        Assert.Null(result.StatusCode);
        Assert.Equal(ClusterStatuses.Loading, result.Output!.Status);
        Assert.Equal(TimeSpan.FromSeconds(5), clock.Elapsed);
        Assert.Equal(1 + 5, handler.Requests.Count);   // the PUT, then reads at 0, 1, 2, 3 and 4 s
    }

    [Fact]
    public async Task LoadAsync_CallHangsPastTimeout_TimesOutWithNoStatus()
    {
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHandler(async (_, cancellationToken) =>
        {
            called.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);

        var load = client.Model("openai-community/gpt2").LoadAsync(timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);
        await called.Task.WaitAsync(Ct);
        clock.Advance(TimeSpan.FromSeconds(30));
        var result = await load.WaitAsync(Ct);

        Assert.Equal("The cluster of openai-community/gpt2 was not running after 00:00:30; no status was read yet.", result.Error);
        Assert.Null(result.Output);
        Assert.Equal(HttpMethod.Put, handler.Single.Method);
    }

    [Fact]
    public async Task LoadAsync_AlreadyExists_StillPolls()
    {
        var handler = TestClients.Scripted(
            (HttpStatusCode.BadRequest, """{"error":"Cluster already exists","output":null}"""), Ok(Cluster("running")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal([HttpMethod.Put, HttpMethod.Get], handler.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task LoadAsync_Conflict_StillPolls()
    {
        var handler = TestClients.Scripted((HttpStatusCode.Conflict, """{"error":"Conflict","output":null}"""), Ok(Cluster("running")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.True(result.IsSuccess, result.Error);
    }

    [Fact]
    public async Task LoadAsync_CreateFails_ReturnsItsErrorWithoutPolling()
    {
        var handler = FakeHandler.Json("""{"error":"Unauthorized","output":null}""", HttpStatusCode.Unauthorized);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.Equal("Unauthorized", result.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Contains("Unauthorized", result.ResponseBody, StringComparison.Ordinal);
        Assert.Equal(HttpMethod.Put, handler.Single.Method);
    }

    [Fact]
    public async Task LoadAsync_StatusFails_ReturnsItsError()
    {
        var handler = TestClients.Scripted(Accepted, (HttpStatusCode.InternalServerError, """{"error":"Boom","output":null}"""));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(cancellationToken: Ct);

        Assert.Equal("Boom", result.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, result.StatusCode);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task LoadAsync_CancelledWhilePolling_Throws()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("loading")));
        var clock = new ManualTimeProvider();
        using var client = TestClients.Create(handler, timeProvider: clock);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var load = client.Model("openai-community/gpt2").LoadAsync(pollInterval: Interval, cancellationToken: cancel.Token);
        while (await clock.Created.Reader.ReadAsync(Ct) != Interval)
        {
            // Skip the deadline timer; the first poll interval means the code now waits.
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => load.WaitAsync(Ct));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task LoadAsync_CancelledDuringCall_Throws()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var handler = new FakeHandler(async (_, cancellationToken) =>
        {
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        });
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.Model("openai-community/gpt2").LoadAsync(cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task LoadAsync_AlreadyCancelled_ThrowsWithoutSending()
    {
        var handler = FakeHandler.Json(LoadingAnswer);
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.Model("openai-community/gpt2").LoadAsync(cancellationToken: new CancellationToken(canceled: true)));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task LoadAsync_RealClock_SmallInterval_Works()
    {
        var handler = TestClients.Scripted(Accepted, Ok(Cluster("loading")), Ok(Cluster("running")));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").LoadAsync(
            timeout: TimeSpan.FromSeconds(30), pollInterval: TimeSpan.FromMilliseconds(5), cancellationToken: Ct);

        Assert.True(result.IsSuccess, result.Error);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(10, 0)]
    [InlineData(10, -1)]
    public async Task LoadAsync_BadTimeoutOrInterval_Throws(int timeoutSeconds, int intervalSeconds)
    {
        var handler = FakeHandler.Json(LoadingAnswer);
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.Model("a/b").LoadAsync(
            timeout: TimeSpan.FromSeconds(timeoutSeconds), pollInterval: TimeSpan.FromSeconds(intervalSeconds), cancellationToken: Ct));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void Defaults_AreFifteenMinutesAndOneSecond()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), BytezModel.DefaultLoadTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), BytezModel.DefaultPollInterval);
    }
}
