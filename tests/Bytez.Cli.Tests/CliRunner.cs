using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Cli.Tests;

/// <summary>The outcome of one in-process run of the command.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Err);

internal static class Cli
{
    /// <summary>Runs <c>bytez</c> in-process with no environment variables but the ones given, stderr not a terminal.</summary>
    public static async Task<CliRun> RunAsync(
        string[] args,
        IReadOnlyDictionary<string, string>? variables = null,
        CancellationToken cancellationToken = default)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment
        {
            GetVariable = name => variables is not null && variables.TryGetValue(name, out var value) ? value : null,
        };
        var code = await Program.RunAsync(args, stdout, stderr, environment, cancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A loopback address where nothing listens: a port the OS gave out and that was closed again.</summary>
    public static string ClosedAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}

/// <summary>
/// A loopback stand-in for the model request routes of a Bytez server: POST answers a fixed text, GET answers the
/// scripted statuses in order (repeating the last), and every request is recorded.
/// </summary>
internal sealed class FakeRequestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _reads;

    private FakeRequestServer(WebApplication app, string host)
    {
        _app = app;
        Host = host;
    }

    public string Host { get; }

    public List<string> Requests { get; } = [];

    public static async Task<FakeRequestServer> StartAsync(string postAnswer, params string[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeRequestServer? server = null;
        app.MapPost("/models/v2/request/{org}/{name}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            server!.Record($"POST {context.Request.Path} {body}");
            return Envelope($"\"{postAnswer}\"");
        });
        app.MapGet("/models/v2/request/{org}/{name}", (HttpContext context) =>
        {
            server!.Record($"GET {context.Request.Path}");
            var index = Math.Min(Interlocked.Increment(ref server._reads) - 1, statuses.Length - 1);
            return Envelope(statuses[index]);
        });
        app.MapGet("/models/v2/list/requests", () => Envelope($"[{string.Join(',', statuses.Reverse())}]"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeRequestServer(app, address.TrimEnd('/'));
        return server;
    }

    public static string Status(string state, long done = 0, long total = 0, string? error = null)
    {
        var extra = error is null ? "" : $",\"error\":\"{error}\"";
        var measured = state == "ready" ? ",\"task\":\"feature-extraction\",\"ramRequired\":0.25,\"params\":0.0334" : "";
        return $$"""
            {"modelId":"org/name","state":"{{state}}","revision":"main","format":"onnx",
             "files":[{"path":"onnx/model.onnx","size":{{total}}}],"bytesDone":{{done}},"bytesTotal":{{total}},
             "createdAt":"2026-03-01T10:00:00Z","updatedAt":"2026-03-01T10:00:01Z"{{extra}}{{measured}}}
            """;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static IResult Envelope(string output) =>
        Results.Text($$"""{"error":null,"output":{{output}}}""", "application/json");

    private void Record(string line)
    {
        lock (Requests)
        {
            Requests.Add(line);
        }
    }
}
