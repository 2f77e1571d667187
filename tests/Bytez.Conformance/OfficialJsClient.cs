using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>Runs one call of the official bytez.js client (from npm, unchanged) in Node against a test server.</summary>
internal static class OfficialJsClient
{
    private static readonly string ScriptDir = typeof(OfficialJsClient).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "JsClientDir").Value!;

    /// <summary>Runs <c>node client.mjs operation args</c> (bytez.js 3.0.0) and returns the JSON the client gave back.</summary>
    public static Task<JsonElement> CallAsync(TestServer server, string operation, object? args = null, string key = TestServer.Key) =>
        RunAsync("client.mjs", server, operation, args, key);

    /// <summary>Runs <c>node client-v0.mjs operation args</c> (bytez.js 0.4.2, the v1 API) and returns the JSON the client gave back.</summary>
    public static Task<JsonElement> CallV0Async(TestServer server, string operation, object? args = null, string key = TestServer.Key) =>
        RunAsync("client-v0.mjs", server, operation, args, key);

    /// <summary>
    /// Runs <c>node openai-media.mjs operation args</c> (the official <c>openai</c> npm client on the server's
    /// <c>/v1</c> base: embeddings, transcriptions, speech) and returns the JSON the client gave back.
    /// </summary>
    public static Task<JsonElement> CallOpenAiMediaAsync(TestServer server, string operation, object args) =>
        RunAsync("openai-media.mjs", server, operation, args, TestServer.Key);

    /// <summary>Runs <c>node openai-responses.mjs operation args</c> (the official <c>openai</c> npm client's Responses API) and returns what it gave back.</summary>
    public static Task<JsonElement> CallOpenAiResponsesAsync(TestServer server, string operation, object? args = null, string key = TestServer.Key) =>
        RunAsync("openai-responses.mjs", server, operation, args, key);

    /// <summary>Runs <c>node openai.mjs operation body</c> (the official <c>openai</c> npm package, baseURL = the server's /v1) and returns the JSON the client gave back.</summary>
    public static Task<JsonElement> CallOpenAiAsync(TestServer server, string operation, object body) =>
        RunAsync("openai.mjs", server, operation, body, TestServer.Key);

    /// <summary>Runs <c>node cohere.mjs operation request</c> (the official <c>cohere-ai</c> npm client, baseUrl = the server's root) and returns what the client gave back.</summary>
    public static Task<JsonElement> CallCohereAsync(TestServer server, string operation, object request, string key = TestServer.Key) =>
        RunAsync("cohere.mjs", server, operation, request, key);
    /// <summary>
    /// Runs <c>node anthropic.mjs operation args</c> (the official <c>@anthropic-ai/sdk</c> npm client, baseURL the
    /// server's root, or its <c>models/v2/anthropic</c> base when <c>args</c> has <c>base: "bytez"</c>) and returns
    /// <c>{ok}</c> or <c>{error: {status, type, message}}</c>.
    /// </summary>
    public static Task<JsonElement> CallAnthropicAsync(TestServer server, string operation, object args, string key = TestServer.Key) =>
        RunAsync("anthropic.mjs", server, operation, args, key);
    /// <summary>
    /// Runs <c>node mcp.mjs operation args</c> (the official MCP TypeScript SDK's client over Streamable HTTP, on the
    /// server's <c>/mcp</c>, with <paramref name="key"/> as a Bearer token) and returns what it gave back:
    /// <c>{"ok": ...}</c> or <c>{"error": {name, code, message}}</c>.
    /// </summary>
    public static Task<JsonElement> CallMcpAsync(TestServer server, string operation, object? args = null, string key = TestServer.Key) =>
        RunAsync("mcp.mjs", server, operation, args, key);

    /// <summary>Arguments longer than this many characters go through stdin.</summary>
    private const int StdinThreshold = 64 * 1024;

    private static async Task<JsonElement> RunAsync(string script, TestServer server, string operation, object? args, string key)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(operation);
        var json = args is null ? null : JsonSerializer.Serialize(args);
        // Large arguments (media as base64) exceed the command line's limit: client.mjs reads them from stdin ("-").
        var viaStdin = json is { Length: > StdinThreshold };
        Assert.True(!viaStdin || script == "client.mjs", $"{script} takes its arguments on the command line only.");
        if (json is not null)
        {
            start.ArgumentList.Add(viaStdin ? "-" : json);
        }

        start.Environment["BYTEZ_TEST_BASE"] = server.ApiBase.ToString();
        start.Environment["BYTEZ_TEST_ROOT"] = server.BaseAddress.ToString();
        start.Environment["BYTEZ_TEST_KEY"] = key;
        using var process = Process.Start(start)!;
        if (viaStdin)
        {
            await process.StandardInput.WriteAsync(json);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {await stderr}");
        // The result is the last line; the v1 client logs its loading states to stdout before it.
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }
}
