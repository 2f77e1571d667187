using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// Durability across a hard crash: the real server runs as its own process and is killed with SIGKILL in the middle
/// of a download; a new process on the same data directory finishes the job from the bytes already on disk.
/// </summary>
public sealed partial class ModelRequestCrashTests
{
    private const string Key = "crash-test-key-0123456789";

    [Fact]
    public async Task Request_ServerKilledMidDownload_NextServerResumesAndFinishes()
    {
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddGguf(
            "crash-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"],
            new GgufTinyOptions { EmbeddingLength = 256, Heads = 8, KeyValueHeads = 4, FeedForwardLength = 1024, Layers = 2 });
        var size = repo.Size("tiny-Q4_K_M.gguf");
        hub.BytesPerSecond = Math.Max(64 * 1024, size / 10);
        var root = Directory.CreateTempSubdirectory("bytez-crash-").FullName;
        try
        {
            long bytesAtKill;
            await using (var first = await ServerProcess.StartAsync(root, hub.Endpoint))
            {
                using var client = first.CreateClient();
                var (status, body, _) = await PostAsync(client, "request/" + repo.Id, "");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal("Job queued", AssertOutput(body).GetString());
                var partway = await HubTestServer.WaitUntilAsync(client, repo.Id, s => s.BytesDone >= size / 4, TimeSpan.FromSeconds(60), cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(ModelRequestStates.Downloading, partway.State);

                first.Kill();
                bytesAtKill = partway.BytesDone;
            }

            var blobs = Path.Combine(root, "hf-cache", "models--crash-org--tiny-GGUF", "blobs");
            var partial = Assert.Single(Directory.GetFiles(blobs, "*.incomplete"));
            Assert.InRange(new FileInfo(partial).Length, 1, size - 1);

            hub.BytesPerSecond = 0;
            var requestsBefore = hub.Requests.Count;
            await using var second = await ServerProcess.StartAsync(root, hub.Endpoint);
            using var again = second.CreateClient();
            var final = await HubTestServer.WaitAsync(again, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(final.State == ModelRequestStates.Ready, final.Error);
            var resumed = hub.Requests.Skip(requestsBefore).Where(r => r.Range is not null).Select(r => RangeStart(r.Range!)).ToList();
            Assert.Contains(resumed, start => start >= bytesAtKill / 2 && start > 0);
            var sha = final.Files.Single().Sha256!;
            var snapshotFile = Path.Combine(root, "hf-cache", "models--crash-org--tiny-GGUF", "snapshots", repo.Commit, "tiny-Q4_K_M.gguf");
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(snapshotFile))));
            Assert.Empty(Directory.GetFiles(blobs, "*.incomplete"));
            var (runStatus, _, _) = await PostAsync(again, repo.Id, """{"messages": [{"role": "user", "content": "Hi"}], "params": {"max_new_tokens": 2}}""");
            Assert.Equal(HttpStatusCode.OK, runStatus);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static long RangeStart(string range) => long.Parse(RangePattern().Match(range).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^bytes=(\d+)-")]
    private static partial Regex RangePattern();

    /// <summary>The server as a child process (<c>dotnet Bytez.Server.dll</c>), on a loopback port it reports on standard output.</summary>
    private sealed partial class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static async Task<ServerProcess> StartAsync(string root, string hubEndpoint)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var start = new ProcessStartInfo(dotnet)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Bytez.Server.dll"),
                "--urls", "http://127.0.0.1:0",
                $"--Bytez:Home={Path.Combine(root, "home")}",
                $"--Bytez:ModelsPath={Path.Combine(root, "models")}",
                "--Bytez:EmbeddedModels=false",
                $"--Bytez:Hub:Endpoint={hubEndpoint}",
                $"--Bytez:Hub:CachePath={Path.Combine(root, "hf-cache")}",
                "--Bytez:Hub:RetryDelay=00:00:00.050",
                "--Bytez:LlamaCpp:Threads=1",
            })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["BYTEZ_KEY"] = Key;
            start.Environment["Logging__Console__FormatterName"] = "simple";
            var process = Process.Start(start)!;
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    listening.TrySetException(new InvalidOperationException($"The server exited before listening:\n{output}"));
                    return;
                }

                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (ListeningPattern().Match(e.Data) is { Success: true } match)
                {
                    listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                return new ServerProcess(process, address);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public HttpClient CreateClient()
        {
            var client = new HttpClient { BaseAddress = new Uri(BaseAddress, "models/v2/") };
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Key " + Key);
            return client;
        }

        /// <summary>SIGKILL: no shutdown code runs, like a crash or <c>kill -9</c>.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"Now listening on: (http://\S+)")]
        private static partial Regex ListeningPattern();
    }
}
