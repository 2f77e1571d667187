using System.Net;
using Bytez.Server.Auth;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>The data directory and the hub cache hold only what the server's user may read: 0700 folders, 0600 files.</summary>
public sealed class DataDirectoryTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Start_DataDirectory_IsOwnerOnly()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-test-home-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        try
        {
            await using var server = await TestServer.StartAsync(settings, key: null);
            using var client = server.CreateHttpClient("Key " + server.Services.GetRequiredService<ApiKeyStore>().GeneratedKey);
            var (created, _, _) = await SendAsync(client, HttpMethod.Put, "sentence-transformers/all-MiniLM-L6-v2", """{"capacity": {"min": 0, "desired": 1, "max": 1}}""");
            Assert.Equal(HttpStatusCode.Accepted, created);
            var (ran, _, _) = await PostAsync(client, "sentence-transformers/all-MiniLM-L6-v2", """{"input": "hi"}""");
            Assert.Equal(HttpStatusCode.OK, ran);
            await HubTestServer.RequestAsync(client, "nobody/missing", cancellationToken: TestContext.Current.CancellationToken);

            AssertMode(home, "700");
            AssertMode(Path.Combine(home, "state"), "700");
            AssertMode(Path.Combine(home, ApiKeyStore.HashFileName), "600");
            AssertMode(Path.Combine(home, "state", "clusters.json"), "600");
            AssertMode(Path.Combine(home, "state", "model-memory.json"), "600");
            var database = Directory.GetFiles(Path.Combine(home, "state"), "bytez.db*");
            Assert.Contains(Path.Combine(home, "state", "bytez.db"), database);
            Assert.All(database, file => AssertMode(file, "600"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Request_DownloadedModel_CacheAndModelFoldersAreOwnerOnly()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = Bytez.Testing.Hub.FakeHubModels.AddOnnxDecoder(env.Hub, "test-org/private-onnx");

        var final = await env.RequestAndWaitAsync(repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Bytez.Protocol.ModelRequestStates.Ready, final.State);
        AssertMode(env.CachePath, "700");
        AssertMode(Path.Combine(env.CachePath, "models--test-org--private-onnx"), "700");
        Assert.All(Directory.GetFiles(Path.Combine(env.CachePath, "models--test-org--private-onnx", "blobs")), blob => AssertMode(blob, "600"));
        var models = Path.Combine(env.Root, "models");
        AssertMode(models, "700");
        Assert.All(Directory.GetFiles(models, "*", SearchOption.AllDirectories), file => AssertMode(file, "600"));
        Assert.All(Directory.GetDirectories(models, "*", SearchOption.AllDirectories), folder => AssertMode(folder, "700"));
    }

    /// <summary>Checks a file's or folder's Unix mode, written as octal (<c>600</c>, <c>700</c>).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertMode(string path, string octal)
    {
        var mode = File.GetUnixFileMode(path);
        Assert.True(Convert.ToString((int)mode, 8) == octal, $"{path} has mode {Convert.ToString((int)mode, 8)}, expected {octal}");
    }
}
