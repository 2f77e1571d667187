using System.Net;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// Requesting a model by the id users know when its repository holds only safetensors weights: the real server finds
/// the ONNX conversion on the fake hub, downloads it and serves it under the id asked for. The conversion holds the
/// real embedding model, so its vectors must equal the ones the server computes from its own copy of that model.
/// </summary>
public sealed class ModelConversionTests
{
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";
    private const string Original = "sentence-transformers/all-MiniLM-L6-v2";
    private const string Text = """{"text": "What is a snowflake?"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_OriginalIdWithOnlySafetensors_IsServedThroughItsConversionUnderTheIdAsked()
    {
        await using var env = await HubTestServer.StartAsync();
        AddSafetensorsOnly(env.Hub);
        var xenova = AddConversion(env.Hub, "Xenova/all-MiniLM-L6-v2", weightsPath: "onnx/model.onnx");
        xenova.Tags.AddRange(["base_model:" + Original, "base_model:quantized:" + Original]);
        using var client = env.CreateClient();

        var final = await env.RequestAndWaitAsync(Original, cancellationToken: Ct);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(Original, final.ModelId);
        Assert.Equal("Xenova/all-MiniLM-L6-v2", final.Source);
        Assert.Equal(xenova.Commit, final.Commit);
        Assert.Equal("sentence-similarity", final.Task);
        Assert.StartsWith($"Using Xenova/all-MiniLM-L6-v2, an ONNX conversion of {Original} (which has only safetensors, pytorch .bin weights)", final.Note, StringComparison.Ordinal);
        Assert.Contains(final.Files, f => f.Path == "onnx/model.onnx");
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.StartsWith("/" + Original + "/resolve/", StringComparison.Ordinal));

        // The raw status carries the choice as the documented fields.
        var (_, raw, _) = await GetAsync(client, "request/" + Original);
        Assert.Equal("Xenova/all-MiniLM-L6-v2", AssertOutput(raw).GetProperty("source").GetString());
        Assert.Equal(final.Note, AssertOutput(raw).GetProperty("note").GetString());

        // Listed and run under the id asked for, not the conversion's.
        var (_, models, _) = await GetAsync(client, "list/models");
        var ids = AssertOutput(models).EnumerateArray().Select(m => m.GetProperty("modelId").GetString()).ToList();
        Assert.Contains(Original, ids);
        Assert.DoesNotContain("Xenova/all-MiniLM-L6-v2", ids);
        var (runStatus, run, _) = await PostAsync(client, Original, Text);
        Assert.Equal(HttpStatusCode.OK, runStatus);
        var expected = await LocalVectorAsync();
        Assert.True(Cosine(expected, Vector(AssertOutput(run))) > 0.999999);

        // After a restart it is still served under that id, without asking the hub again.
        var requestsBefore = env.Hub.Requests.Count;
        await env.RestartAsync();
        using var restarted = env.CreateClient();
        var (againStatus, again, _) = await PostAsync(restarted, Original, Text);
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.True(Cosine(expected, Vector(AssertOutput(again))) > 0.999999);
        Assert.Equal(requestsBefore, env.Hub.Requests.Count);
    }

    [Theory]
    [InlineData("optimum/all-MiniLM-L6-v2", "model.onnx")]
    [InlineData("onnx-community/all-MiniLM-L6-v2-ONNX", "onnx/model_quantized.onnx")]
    public async Task Request_ConversionInAnotherRealLayout_IsLoadedFromTheFileThePlannerChose(string conversion, string weightsPath)
    {
        await using var env = await HubTestServer.StartAsync();
        AddSafetensorsOnly(env.Hub);
        AddConversion(env.Hub, conversion, weightsPath);
        using var client = env.CreateClient();

        var final = await env.RequestAndWaitAsync(Original, cancellationToken: Ct);
        var (runStatus, run, _) = await PostAsync(client, Original, Text);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Equal(conversion, final.Source);
        Assert.Equal(weightsPath, Assert.Single(final.Files, f => f.Path.EndsWith(".onnx", StringComparison.Ordinal)).Path);
        Assert.Equal(HttpStatusCode.OK, runStatus);
        Assert.True(Cosine(await LocalVectorAsync(), Vector(AssertOutput(run))) > 0.999999);
    }

    [Fact]
    public async Task Request_OriginalIdWithoutAnyConversion_FailsNamingWhatWasLookedFor()
    {
        await using var env = await HubTestServer.StartAsync();
        AddSafetensorsOnly(env.Hub);

        var final = await env.RequestAndWaitAsync(Original, cancellationToken: Ct);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Null(final.Source);
        Assert.Contains("has only safetensors, pytorch .bin weights", final.Error, StringComparison.Ordinal);
        Assert.Contains("Xenova/all-MiniLM-L6-v2", final.Error, StringComparison.Ordinal);
        Assert.Contains("onnx-community/all-MiniLM-L6-v2-ONNX", final.Error, StringComparison.Ordinal);
        Assert.Contains("base_model:" + Original, final.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.Contains("/resolve/", StringComparison.Ordinal));
    }

    /// <summary>The original repository as sentence-transformers publishes it, minus an ONNX export: safetensors weights only.</summary>
    private static void AddSafetensorsOnly(FakeHub hub)
    {
        var repo = hub.AddRepository(Original);
        repo.PipelineTag = "sentence-similarity";
        repo.LibraryName = "sentence-transformers";
        repo.ListedDownloads = 90_000_000;
        var folder = ArcticFolder();
        foreach (var file in new[] { "config.json", "modules.json", "sentence_bert_config.json", "vocab.txt", "tokenizer_config.json", "1_Pooling/config.json" })
        {
            repo.AddFile(file, File.ReadAllBytes(Path.Combine(folder, file)));
        }

        repo.AddFile("model.safetensors", new byte[4096]).AddFile("pytorch_model.bin", new byte[4096]);
    }

    /// <summary>A conversion holding the real embedding model with its ONNX file at <paramref name="weightsPath"/>.</summary>
    private static FakeRepository AddConversion(FakeHub hub, string id, string weightsPath)
    {
        var folder = ArcticFolder();
        var repo = hub.AddRepository(id);
        repo.PipelineTag = "feature-extraction";
        repo.LibraryName = "transformers.js";
        repo.ListedDownloads = 1_000_000;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            if (path != "bytez-model.json")
            {
                repo.AddFile(path == "onnx/model.onnx" ? weightsPath : path, File.ReadAllBytes(file));
            }
        }

        return repo;
    }

    private static string ArcticFolder() =>
        Bytez.Engine.Embedded.EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, TestContext.Current.CancellationToken).Single(m => m.Id == ArcticXs).Path;

    /// <summary>The vector the server computes with its own copy of the model (the embedded one).</summary>
    private static async Task<float[]> LocalVectorAsync()
    {
        await using var local = await TestServer.StartAsync();
        using var client = local.CreateHttpClient();
        var (_, run, _) = await PostAsync(client, ArcticXs, Text);
        return Vector(AssertOutput(run));
    }
}
