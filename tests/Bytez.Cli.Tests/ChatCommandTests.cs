using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez run &lt;model&gt;</c> without an input: a streamed chat that keeps the conversation.</summary>
public sealed class ChatCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<CliRun> ChatAsync(string host, string input, params string[] extra)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment { GetVariable = _ => null, Input = new StringReader(input) };
        var code = await Program.RunAsync(["run", "org/chat", .. extra, "--host", host, "--key", "k"], stdout, stderr, environment, Ct);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Chat_EachTurn_SendsTheWholeConversationAndStreamsTheReply()
    {
        await using var server = await RecordingChatServer.StartAsync();

        var run = await ChatAsync(server.Host, "Hello\n\nWhat did I say?\n/bye\nnever sent\n", "--system", "Be brief", "--param", "max_new_tokens=5");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("reply 1\nreply 2\n", run.Out);
        Assert.Equal("", run.Err);
        Assert.Equal(2, server.Bodies.Count);
        using var second = JsonDocument.Parse(server.Bodies[1]);
        Assert.True(second.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(5, second.RootElement.GetProperty("params").GetProperty("max_new_tokens").GetInt32());
        Assert.Equal(
            [("system", "Be brief"), ("user", "Hello"), ("assistant", "reply 1"), ("user", "What did I say?")],
            second.RootElement.GetProperty("input").EnumerateArray()
                .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));
    }

    [Fact]
    public async Task Chat_EndOfInput_EndsLikeBye()
    {
        await using var server = await RecordingChatServer.StartAsync();

        var run = await ChatAsync(server.Host, "only one");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("reply 1\n", run.Out);
    }

    [Fact]
    public async Task Chat_RealServer_TinyGgufStreamsEveryTurn()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("cli-chat/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment { GetVariable = _ => null, Input = new StringReader("hi\nagain\n/bye\n") };

        var code = await Program.RunAsync(
            ["run", repo.Id, "--param", "max_new_tokens=4", "--host", env.Server.BaseAddress.AbsoluteUri, "--key", TestServer.Key],
            stdout, stderr, environment, Ct);

        Assert.True(code == 0, stderr.ToString());
        Assert.Equal("", stderr.ToString());
        Assert.EndsWith("\n", stdout.ToString(), StringComparison.Ordinal);

        // And one prompt, streamed, without a chat.
        var stream = await Cli.RunAsync(
            ["run", repo.Id, "Once upon a time", "--stream", "--param", "max_new_tokens=3", "--host", env.Server.BaseAddress.AbsoluteUri, "--key", TestServer.Key],
            cancellationToken: Ct);
        Assert.True(stream.ExitCode == 0, stream.Err);
        Assert.Equal("", stream.Err);
        Assert.EndsWith("\n", stream.Out, StringComparison.Ordinal);
    }

    /// <summary>A loopback stand-in for the run route that records each body and streams <c>reply N</c>.</summary>
    private sealed class RecordingChatServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RecordingChatServer(WebApplication app) => _app = app;

        public string Host { get; private set; } = "";

        public List<string> Bodies { get; } = [];

        public static async Task<RecordingChatServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new RecordingChatServer(app);
            app.MapPost("/models/v2/{org}/{name}", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                int turn;
                lock (server.Bodies)
                {
                    server.Bodies.Add(body);
                    turn = server.Bodies.Count;
                }

                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("reply ");
                await context.Response.Body.FlushAsync();
                await context.Response.WriteAsync(turn.ToString(System.Globalization.CultureInfo.InvariantCulture));
            });
            await app.StartAsync();
            server.Host = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            return server;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
