using System.Diagnostics;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// Every <c>curl</c> example of the documentation runs, in the order of its file, with the real curl against a real
/// server on loopback (<see cref="DocsServer"/>): <c>http://localhost:8080</c> becomes the server's address and
/// <c>$BYTEZ_KEY</c> its key. Each answers 2xx with the envelope's <c>error</c> null (a streamed answer: some text; an
/// OpenAI-compatible route, under <c>/v1/</c>: an object without <c>error</c>; a peer's route at the root, such as TEI's
/// <c>/embed</c>: an array or an object without <c>error</c>),
/// or the status its comment documents. A block that cannot run is marked <c>&lt;!-- not run: reason --&gt;</c>;
/// those marks are counted below, so none is skipped silently.
/// </summary>
public sealed class CurlExampleTests
{
    /// <summary>How many blocks of the documentation are marked as not run. Change it only with the Markdown.</summary>
    private const int ExpectedNotRunBlocks = 2;

    /// <summary>Whether the curl binary is on the PATH.</summary>
    private static readonly Lazy<bool> CurlInstalled = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "curl")) || File.Exists(Path.Combine(dir, "curl.exe"))));

    /// <summary>The documentation files that hold curl examples.</summary>
    public static TheoryData<string> FilesWithCurl() =>
        [.. MarkdownFiles.Files().Where(f => MarkdownFiles.Blocks(f).Any(IsRunnableCurlBlock))];

    [Theory]
    [MemberData(nameof(FilesWithCurl))]
    public async Task CurlExamples_AgainstARealServer_AnswerAsDocumented(string file)
    {
        await using var docs = await DocsServer.StartAsync();
        var variables = new Dictionary<string, string> { ["BYTEZ_KEY"] = TestServer.Key };
        var baseAddress = docs.Server.BaseAddress.ToString().TrimEnd('/');
        var commands = MarkdownFiles.Blocks(file).Where(IsRunnableCurlBlock).SelectMany(b => CurlCommand.Parse(b, variables)).ToList();
        Assert.NotEmpty(commands);

        var failures = new List<string>();
        foreach (var command in commands)
        {
            var arguments = command.Arguments.Select(a => a.Replace("http://localhost:8080", baseAddress, StringComparison.Ordinal)).ToList();
            Assert.True(arguments.Any(a => a.StartsWith(baseAddress, StringComparison.Ordinal)), $"{command.Place}: the example does not call http://localhost:8080.");
            var (status, body) = await RunAsync(command with { Arguments = arguments });
            var problem = Check(command, status, body);
            if (problem is not null)
            {
                failures.Add($"{command.Place}: {command}\n    {problem}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {commands.Count} curl examples in {file} failed:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void NotRunMarks_InTheDocumentation_AreCountedAndGiveAReason()
    {
        var marked = MarkdownFiles.AllBlocks().Where(b => b.NotRunReason is not null).ToList();

        Assert.All(marked, b => Assert.False(string.IsNullOrWhiteSpace(b.NotRunReason), $"{b.Place}: a not-run mark must say why."));
        Assert.True(
            marked.Count == ExpectedNotRunBlocks,
            $"{marked.Count} blocks are marked as not run (expected {ExpectedNotRunBlocks}): " + string.Join(", ", marked.Select(b => $"{b.Place} ({b.NotRunReason})")));
        Assert.DoesNotContain(marked, b => b.IsCSharp);   // C# blocks always compile; a not-run mark does not excuse them
    }

    [Fact]
    public void Parse_QuotedContinuedCommandWithStatusComment_ExpandsTheKeyAndReadsTheStatus()
    {
        var block = new CodeBlock("README.md", 10, "sh",
            [
                "curl -X PUT -H \"Authorization: Key $BYTEZ_KEY\" \\",
                "     -d '{\"timeout\": 30}' \\",
                "     http://localhost:8080/models/v2/a/b        # 202 \"Loading\"",
                "curl -H \"Authorization: Key ${BYTEZ_KEY}\" \"http://localhost:8080/models/v2/list/models?task=x\"",
            ], false, null);

        var commands = CurlCommand.Parse(block, new Dictionary<string, string> { ["BYTEZ_KEY"] = "k" });

        Assert.Equal(2, commands.Count);
        Assert.Equal(["-X", "PUT", "-H", "Authorization: Key k", "-d", "{\"timeout\": 30}", "http://localhost:8080/models/v2/a/b"], commands[0].Arguments);
        Assert.Equal(202, commands[0].DocumentedStatus);
        Assert.Equal("README.md:10", commands[0].Place);
        Assert.Equal(["-H", "Authorization: Key k", "http://localhost:8080/models/v2/list/models?task=x"], commands[1].Arguments);
        Assert.Null(commands[1].DocumentedStatus);
        Assert.Equal("README.md:13", commands[1].Place);
    }

    [Fact]
    public async Task ToHttpRequest_PutWithJsonBody_IsTheRequestCurlSends()
    {
        var block = new CodeBlock("README.md", 10, "sh",
            ["curl -X PUT -H \"Authorization: Key $BYTEZ_KEY\" -H \"Content-Type: application/json\" -d '{\"timeout\": 30}' http://localhost:8080/models/v2/a/b"],
            false, null);
        var command = Assert.Single(CurlCommand.Parse(block, new Dictionary<string, string> { ["BYTEZ_KEY"] = "k" }));

        using var request = command.ToHttpRequest();

        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal("http://localhost:8080/models/v2/a/b", request.RequestUri!.ToString());
        Assert.Equal("Key k", Assert.Single(request.Headers.GetValues("Authorization")));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("{\"timeout\": 30}", await request.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static bool IsRunnableCurlBlock(CodeBlock block) =>
        block.Language is "sh" or "bash" or "shell" && block.NotRunReason is null
        && block.Code.Any(l => l.TrimStart().StartsWith("curl ", StringComparison.Ordinal));

    /// <summary>What is wrong with an answer, or null when it is what the documentation says.</summary>
    private static string? Check(CurlCommand command, int status, string body)
    {
        if (command.DocumentedStatus is { } documented)
        {
            if (status != documented)
            {
                return $"answered {status} where the comment documents {documented}: {body}";
            }
        }
        else if (status is < 200 or > 299)
        {
            return $"answered {status}: {body}";
        }

        if (status is < 200 or > 299)
        {
            return null;
        }

        if (command.IsStream)
        {
            return body.Length > 0 ? null : "the stream was empty";
        }

        try
        {
            using var envelope = JsonDocument.Parse(body);
            if (command.Arguments.Any(a => a.Contains("/v1/", StringComparison.Ordinal) && a.StartsWith("http", StringComparison.Ordinal)))
            {
                // The OpenAI-compatible routes answer OpenAI's objects: a success has no `error`.
                return envelope.RootElement.ValueKind == JsonValueKind.Object && !envelope.RootElement.TryGetProperty("error", out _)
                    ? null
                    : $"not an OpenAI success object: {body}";
            }

            if (command.Arguments.Any(a => a.StartsWith("http", StringComparison.Ordinal) && !a.Contains("/models/v2/", StringComparison.Ordinal) && !a.Contains("/model/", StringComparison.Ordinal)))
            {
                // The routes of other APIs at the root (TEI's /embed, vLLM's /tokenize, ...) answer their own shapes: an array or an object without `error`.
                return envelope.RootElement.ValueKind == JsonValueKind.Array
                    || (envelope.RootElement.ValueKind == JsonValueKind.Object && !envelope.RootElement.TryGetProperty("error", out _))
                    ? null
                    : $"not a success of the peer's API: {body}";
            }

            return envelope.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Null
                && envelope.RootElement.TryGetProperty("output", out _)
                ? null
                : $"not an envelope with a null error: {body}";
        }
        catch (JsonException)
        {
            return $"not JSON: {body}";
        }
    }

    /// <summary>
    /// Runs the command with the curl binary (no shell); where curl is not installed, sends the same request with
    /// HttpClient (and says so in the test's output).
    /// </summary>
    private static async Task<(int Status, string Body)> RunAsync(CurlCommand command)
    {
        if (CurlInstalled.Value)
        {
            return await RunCurlAsync(command.Arguments);
        }

        TestContext.Current.SendDiagnosticMessage($"curl is not installed: {command.Place} is sent with HttpClient.");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var request = command.ToHttpRequest();
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Runs the curl binary (no shell) and returns the status and the body.</summary>
    private static async Task<(int Status, string Body)> RunCurlAsync(IReadOnlyList<string> arguments)
    {
        var bodyFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-sS", "--max-time", "120", "-o", bodyFile, "-w", "%{http_code}" }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"curl failed ({process.ExitCode}): {await error}");
            return (int.Parse((await output).Trim(), System.Globalization.CultureInfo.InvariantCulture), await File.ReadAllTextAsync(bodyFile));
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }
}
