using System.Collections.Concurrent;
using System.Net;
using Bytez.Hub.Jobs;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Apis;

public sealed class ErrorMappingTests
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    [Fact]
    public async Task Errors_ClientErrorsAndServerBugs_AreLoggedAtTheirLevels()
    {
        var logs = new LogCollector();
        await using var server = await TestServer.StartAsync(configure: builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<IModelRequestStore>(provider => new FailingFind(
                new SqliteModelRequestStore(Path.Combine(provider.GetRequiredService<Bytez.Server.Hosting.BytezServerOptions>().Home, "state", "jobs.db"))));
        });
        using var client = server.CreateHttpClient();

        var unknown = await PostAsync(client, "nobody/nothing", """{"input": "x"}""");
        var invalidId = await PostAsync(client, "request/bad..id/x", "");
        var badInput = await PostAsync(client, MiniLm, """{"input": 42}""");
        var bug = await GetAsync(client, "request/crash/me");

        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.BadRequest, invalidId.Status);
        Assert.Equal(HttpStatusCode.BadRequest, badInput.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, bug.Status);
        var errors = logs.Entries.Where(e => e.Category == "Bytez.Server.Errors").ToList();
        var client4xx = errors.Where(e => e.Message.Contains(" answered 4", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, client4xx.Count);
        Assert.All(client4xx, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.All(client4xx, e => Assert.Null(e.Exception));
        var failure = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal("Bytez.Server.Errors", failure.Category);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Contains("/models/v2/request/crash/me", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/models/v2/{0}", "{{\"input\": \"a\", \"params\": {{\"{1}\": 1}}}}")]
    [InlineData("/model/run", "{{\"model\": \"{1}\", \"input\": \"a\"}}")]
    public async Task Errors_QuotingAHugeValue_AreBounded(string path, string bodyFormat)
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();
        var body = string.Format(System.Globalization.CultureInfo.InvariantCulture, bodyFormat, MiniLm, new string('x', 1_000_000));

        var (status, answer, _) = await SendAsync(client, HttpMethod.Post, new Uri(server.BaseAddress, path.Replace("{0}", MiniLm, StringComparison.Ordinal)).ToString(), body);

        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, status.ToString());
        Assert.InRange(AssertErrorEnvelope(answer).Length, 1, Bytez.Server.Apis.ErrorMapping.MaxMessageLength + 20);
    }

    [Fact]
    public async Task RequestLogging_ByDefault_IsAtWarning()
    {
        var logs = new LogCollector();
        await using var server = await TestServer.StartAsync(configure: builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        });
        using var client = server.CreateHttpClient();

        await GetAsync(client, "list/tasks");

        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && e.Level < LogLevel.Warning);
    }

    [Fact]
    public async Task RequestLogging_Configured_IsLogged()
    {
        var logs = new LogCollector();
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information" },
            configure: builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                builder.Logging.AddProvider(logs);
            });
        using var client = server.CreateHttpClient();

        await GetAsync(client, "list/tasks");

        Assert.Contains(logs.Entries, e => e.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && e.Level == LogLevel.Information);
    }

    /// <summary>A job store whose lookup of <c>crash/me</c> fails as a bug would.</summary>
    private sealed class FailingFind(IModelRequestStore inner) : IModelRequestStore
    {
        public Task<(ModelRequestJob Job, bool Created)> EnqueueAsync(string modelId, string revision, string? webhook, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.EnqueueAsync(modelId, revision, webhook, now, cancellationToken);

        public Task<ModelRequestJob?> FindAsync(string modelId, CancellationToken cancellationToken) =>
            modelId == "crash/me" ? throw new InvalidOperationException("a bug") : inner.FindAsync(modelId, cancellationToken);

        public Task<IReadOnlyList<ModelRequestJob>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task SaveAsync(ModelRequestJob job, CancellationToken cancellationToken) => inner.SaveAsync(job, cancellationToken);

        public Task<bool> DeleteAsync(string modelId, CancellationToken cancellationToken) => inner.DeleteAsync(modelId, cancellationToken);
    }
}

/// <summary>Keeps every log entry of a server, for tests that check what is logged and how.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
    }
}
