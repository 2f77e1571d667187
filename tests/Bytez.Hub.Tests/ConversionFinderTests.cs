using System.Text;
using System.Text.Json;
using Bytez.Hub;
using Bytez.Server.Hosting;
using Bytez.Testing.Hub;

namespace Bytez.Hub.Tests;

/// <summary>Finding a conversion for a repository with only safetensors weights, through the fake hub's model search.</summary>
public sealed class ConversionFinderTests
{
    private const string Original = "sentence-transformers/all-MiniLM-L6-v2";

    private static readonly SupportedModels Everything = new()
    {
        Tasks = new HashSet<string>(["feature-extraction", "sentence-similarity", "text-classification", "text-generation", "chat"], StringComparer.Ordinal),
        Formats = new HashSet<string>(["onnx", "gguf"], StringComparer.Ordinal),
        Layout = EngineModelLayout.Instance,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Resolve_OnlySafetensors_ChoosesTheMostDownloadedConversionThatRuns()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        AddSafetensorsOnly(env.Hub, Original, "sentence-similarity");
        // Most downloaded, but a fine-tune (another model) tagged with the same base model: never a candidate.
        Encoder(env.Hub, "someone/all-MiniLM-L6-v2-finetuned-legal", "feature-extraction", 9_000_000).Tags.AddRange(
            ["base_model:" + Original, "base_model:finetune:" + Original]);
        // Named as onnx-community names conversions and downloaded more than the others, but without a tokenizer: refused.
        Encoder(env.Hub, "onnx-community/all-MiniLM-L6-v2-ONNX", "feature-extraction", 500_000, tokenizer: false);
        var xenova = Encoder(env.Hub, "Xenova/all-MiniLM-L6-v2", "feature-extraction", 400_000);
        xenova.Tags.AddRange(["base_model:" + Original, "base_model:quantized:" + Original]);
        Encoder(env.Hub, "optimum/all-MiniLM-L6-v2", "feature-extraction", 300, root: true);
        // Tagged as a conversion but for another task: dropped.
        Encoder(env.Hub, "other/all-MiniLM-L6-v2-classifier-onnx", "text-classification", 800_000).Tags.Add("base_model:quantized:" + Original);

        var (plan, note) = await ResolveAsync(env, Original);

        Assert.Equal("Xenova/all-MiniLM-L6-v2", plan.ModelId);
        Assert.Equal(xenova.Commit, plan.Commit);
        Assert.Equal("sentence-similarity", plan.Task);
        Assert.Contains(plan.Files, f => f.Path == "onnx/model.onnx");
        Assert.Equal(
            $"Using Xenova/all-MiniLM-L6-v2, an ONNX conversion of {Original} (which has only safetensors weights): "
            + "of the 3 conversions found, the most downloaded that this server can run.",
            note);
    }

    [Fact]
    public async Task Resolve_OnlyTheRootLayoutConversion_TakesItsRootModelOnnx()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        AddSafetensorsOnly(env.Hub, Original, "sentence-similarity");
        Encoder(env.Hub, "optimum/all-MiniLM-L6-v2", "feature-extraction", 10, root: true);

        var (plan, note) = await ResolveAsync(env, Original);

        Assert.Equal("optimum/all-MiniLM-L6-v2", plan.ModelId);
        Assert.Contains(plan.Files, f => f.Path == "model.onnx");
        Assert.EndsWith("the only conversion found.", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_GenerationModelWithAGgufConversion_TakesTheConfiguredQuantization()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        AddSafetensorsOnly(env.Hub, "org/Tiny-Chat-1B", "text-generation");
        var gguf = env.Hub.AddRepository("quantizer/Tiny-Chat-1B-GGUF");
        gguf.PipelineTag = "text-generation";
        gguf.LibraryName = "gguf";
        gguf.AddFile("Tiny-Chat-1B-Q4_K_M.gguf", Encoding.ASCII.GetBytes("GGUF-q4")).AddFile("Tiny-Chat-1B-Q8_0.gguf", Encoding.ASCII.GetBytes("GGUF-q8"));

        var (plan, note) = await ResolveAsync(env, "org/Tiny-Chat-1B");

        Assert.Equal(gguf.Id, plan.ModelId);
        Assert.Equal(ModelFormats.Gguf, plan.Format);
        Assert.Equal("Tiny-Chat-1B-Q4_K_M.gguf", Assert.Single(plan.Files).Path);
        Assert.StartsWith("Using quantizer/Tiny-Chat-1B-GGUF, a GGUF conversion of org/Tiny-Chat-1B", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_NoConversion_FailsNamingWhatWasLookedFor()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        AddSafetensorsOnly(env.Hub, "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification");

        var error = await Assert.ThrowsAsync<HubException>(() => ResolveAsync(env, "distilbert/distilbert-base-uncased-finetuned-sst-2-english"));

        Assert.Equal(HubErrorKind.Unsupported, error.Kind);
        Assert.Contains("has only safetensors weights", error.Message, StringComparison.Ordinal);
        Assert.Contains("base_model:distilbert/distilbert-base-uncased-finetuned-sst-2-english", error.Message, StringComparison.Ordinal);
        Assert.Contains("Xenova/distilbert-base-uncased-finetuned-sst-2-english", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnx-community/distilbert-base-uncased-finetuned-sst-2-english-ONNX", error.Message, StringComparison.Ordinal);
        Assert.Contains("optimum/distilbert-base-uncased-finetuned-sst-2-english", error.Message, StringComparison.Ordinal);
        Assert.Contains("none was found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GGUF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_OnlyConversionLacksTheConfiguredVariant_FailsSayingWhy()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.OnnxVariant = "q4");
        AddSafetensorsOnly(env.Hub, Original, "sentence-similarity");
        Encoder(env.Hub, "Xenova/all-MiniLM-L6-v2", "feature-extraction", 10);

        var error = await Assert.ThrowsAsync<HubException>(() => ResolveAsync(env, Original));

        Assert.Contains("Xenova/all-MiniLM-L6-v2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("'q4'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ConversionsOff_FailsAsThePlannerDoesWithoutSearching()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.FindConversions = false);
        AddSafetensorsOnly(env.Hub, Original, "sentence-similarity");
        Encoder(env.Hub, "Xenova/all-MiniLM-L6-v2", "feature-extraction", 10);

        var error = await Assert.ThrowsAsync<HubException>(() => ResolveAsync(env, Original));

        Assert.Contains("no weights this server can run", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.StartsWith("/api/models?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolve_RepositoryWithOnnx_IsPlannedItselfWithoutSearching()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var repo = Encoder(env.Hub, "Xenova/all-MiniLM-L6-v2", "feature-extraction", 10);

        var (plan, note) = await ResolveAsync(env, repo.Id);

        Assert.Equal(repo.Id, plan.ModelId);
        Assert.Null(note);
        Assert.DoesNotContain(env.Hub.Requests, r => r.Path.StartsWith("/api/models?", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseSearch_HostileAnswer_KeepsValidEntriesUpToTheLimit()
    {
        var client = new HubClient(new HttpClient(), new HubOptions());
        using var document = JsonDocument.Parse("""
            [
              {"id": "../etc/passwd", "downloads": 9},
              {"id": "ok/one", "downloads": -5, "tags": ["a", 3, null], "pipeline_tag": 7},
              "not an object",
              {"modelId": "ok/two", "downloads": 1e300},
              {"id": "ok/three", "downloads": 3},
              {"id": "ok/four", "downloads": 4}
            ]
            """);

        var models = client.ParseSearch(document.RootElement, limit: 3, "the search");

        Assert.Equal(["ok/one", "ok/two", "ok/three"], models.Select(m => m.Id));
        Assert.Equal([0L, 0L, 3L], models.Select(m => m.Downloads));
        Assert.Equal(["a"], models[0].Tags);
        Assert.Null(models[0].PipelineTag);
        Assert.Throws<HubException>(() => client.ParseSearch(JsonDocument.Parse("""{"models": []}""").RootElement, 10, "the search"));
    }

    private static async Task<ResolvedPlan> ResolveAsync(HubTestEnvironment env, string modelId)
    {
        var repository = await env.Client.GetRepositoryAsync(modelId, "main", Ct);
        return await ConversionFinder.ResolveAsync(env.Client, repository, env.Options, Everything, null, Ct);
    }

    private static void AddSafetensorsOnly(FakeHub hub, string id, string task)
    {
        var repo = hub.AddRepository(id);
        repo.PipelineTag = task;
        repo.LibraryName = "transformers";
        repo.ListedDownloads = 100_000_000;
        repo.AddFile("config.json", "{}"u8.ToArray()).AddFile("tokenizer.json", "{}"u8.ToArray()).AddFile("model.safetensors", new byte[64]);
    }

    private static FakeRepository Encoder(FakeHub hub, string id, string task, long downloads, bool tokenizer = true, bool root = false)
    {
        var repo = hub.AddRepository(id);
        repo.PipelineTag = task;
        repo.LibraryName = "transformers.js";
        repo.ListedDownloads = downloads;
        repo.AddFile("config.json", "{}"u8.ToArray()).AddFile(root ? "model.onnx" : "onnx/model.onnx", new byte[32]);
        if (!root)
        {
            repo.AddFile("onnx/model_quantized.onnx", new byte[16]);
        }

        if (tokenizer)
        {
            repo.AddFile("tokenizer.json", "{}"u8.ToArray());
        }

        return repo;
    }
}
