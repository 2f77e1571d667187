using System.Text.Json;
using Bytez.Hub;
using Bytez.Testing.Properties;
using CsCheck;

namespace Bytez.Hub.Tests;

/// <summary>
/// What the hub answers is untrusted: the metadata JSON of <c>/api/models/{id}/revision/{rev}?blobs=true</c> and the
/// file lists, sizes and paths the planner works on. Nothing but <see cref="HubException"/> escapes, and every plan
/// holds only safe paths with sizes within the caps.
/// </summary>
public sealed class HubAnswerPropertyTests
{
    private const long AllocationBound = 16L << 20;

    private const string ValidAnswer = """
        {"id": "org/model", "sha": "0123456789abcdef0123456789abcdef01234567", "pipeline_tag": "text-generation",
         "library_name": "transformers.js", "tags": ["onnx", "text-generation"], "gated": false, "private": false,
         "config": {"model_type": "llama", "architectures": ["LlamaForCausalLM"]}, "gguf": {"architecture": "llama"},
         "siblings": [
           {"rfilename": "config.json", "size": 600, "blobId": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
           {"rfilename": "tokenizer.json", "size": 2000000, "blobId": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
           {"rfilename": "onnx/model.onnx", "size": 500000000, "blobId": "cccccccccccccccccccccccccccccccccccccccc",
            "lfs": {"sha256": "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "size": 500000000}},
           {"rfilename": "model-Q4_K_M.gguf", "size": 300000000, "lfs": {"oid": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}}
         ]}
        """;

    private const string ValidSearchAnswer = """
        [{"_id": "x", "id": "Xenova/model", "downloads": 1200, "likes": 3, "pipeline_tag": "feature-extraction",
          "library_name": "transformers.js", "tags": ["transformers.js", "onnx", "base_model:org/model", "base_model:quantized:org/model"]},
         {"id": "onnx-community/model-ONNX", "downloads": 30, "tags": []},
         {"id": "optimum/model", "downloads": 2, "pipeline_tag": "feature-extraction"},
         {"id": "someone/model-GGUF", "downloads": 9, "library_name": "gguf"}]
        """;

    private static readonly string[] Paths =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "modules.json",
        "onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_fp16.onnx", "onnx/model.onnx_data", "onnx/decoder_model_merged.onnx",
        "model.gguf", "model-Q4_K_M.gguf", "model-Q8_0.gguf", "mmproj-model-f16.gguf", "model-00001-of-00002.gguf",
        "model-00002-of-00002.gguf", "1_Pooling/config.json", "../escape.onnx", "/etc/passwd", "a\\b.onnx", "c:model.gguf",
        "onnx/../../x.onnx", "dir/\u0001.json", "", ".", "onnx/", new string('a', 5000) + ".gguf", "ünïcode/model.onnx",
    ];

    private static readonly string?[] Tasks =
        [null, "text-generation", "feature-extraction", "sentence-similarity", "chat", "text-to-image", "", "TEXT-GENERATION"];

    private static readonly string?[] Libraries = [null, "transformers.js", "sentence-transformers", "gguf", "onnx", "transformers"];

    private static readonly long[] Sizes = [0, 1, -1, 1L << 20, 64L << 30, (64L << 30) + 1, long.MaxValue, long.MaxValue / 2 + 1, long.MinValue];

    private static readonly HubOptions Options = new();

    private static readonly SupportedModels Everything = new()
    {
        Tasks = new HashSet<string>(["feature-extraction", "sentence-similarity", "text-generation", "chat"], StringComparer.Ordinal),
        Formats = new HashSet<string>(["onnx", "gguf"], StringComparer.Ordinal),
        Layout = Bytez.Server.Hosting.EngineModelLayout.Instance,
    };

    [Fact]
    public void Parse_RandomJson_ThrowsOnlyHubException() =>
        PropertyCheck.Run(Mutations.RandomJson(5), Parse, PropertySeed.Value, iterations: 5000);

    [Fact]
    public void Parse_MutatedAnswer_ThrowsOnlyHubException() =>
        PropertyCheck.Run(Mutations.OfJson(ValidAnswer), Parse, PropertySeed.Value, iterations: 5000);

    [Fact]
    public void ParseSearch_MutatedAnswer_ThrowsOnlyHubExceptionAndKeepsOnlyValidIdsWithinTheLimit() =>
        PropertyCheck.Run(Mutations.OfJson(ValidSearchAnswer), json => UntrustedInput.Parse(() =>
        {
            using var document = JsonDocument.Parse(json);
            var models = Client().ParseSearch(document.RootElement, 3, "the search");
            Assert.InRange(models.Count, 0, 3);
            Assert.All(models, m => Assert.True(Bytez.Protocol.ModelIds.IsValid(m.Id), m.Id));
            Assert.All(models, m => Assert.True(m.Downloads >= 0));
        }, AllocationBound, typeof(HubException), typeof(JsonException)), PropertySeed.Value, iterations: 5000);

    [Fact]
    public void Parse_ValidAnswer_ListsEveryFile()
    {
        using var document = JsonDocument.Parse(ValidAnswer);
        Assert.Equal(4, Client().Parse(document.RootElement, "org/model").Files.Count);
    }

    [Fact]
    public void Plan_ArbitraryFileLists_ThrowsOnlyHubExceptionAndPlansOnlySafePathsWithinTheCaps()
    {
        var gen = Gen.Int.Select(seed => Repository(new Random(seed)));
        PropertyCheck.Run(gen, repository =>
        {
            DownloadPlan? plan = null;
            UntrustedInput.Parse(() => plan = RepositoryPlanner.Plan(repository, Options, Everything), AllocationBound, typeof(HubException));
            if (plan is not null)
            {
                Assert.All(plan.Files, f => Assert.True(HubCache.IsSafeRepoPath(f.Path), f.Path));
                Assert.All(plan.Files, f => Assert.InRange(f.Size, 0, Options.MaxFileBytes));
                Assert.InRange(plan.TotalBytes, 0, Options.MaxModelBytes);
            }
        }, PropertySeed.Value, iterations: 5000, print: r => string.Join(", ", r.Files.Select(f => $"{f.Path}={f.Size}")) + $" task {r.PipelineTag} library {r.LibraryName}");
    }

    private static HubRepository Repository(Random random) => new()
    {
        Id = "org/model",
        Commit = "0123456789abcdef0123456789abcdef01234567",
        PipelineTag = Tasks[random.Next(Tasks.Length)],
        LibraryName = Libraries[random.Next(Libraries.Length)],
        Tags = random.Next(2) == 0 ? [] : ["onnx", "gguf", "transformers.js"],
        Files = [.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => new HubFile(
            Paths[random.Next(Paths.Length)],
            random.Next(3) == 0 ? Sizes[random.Next(Sizes.Length)] : random.NextInt64(0, 1L << 34),
            null,
            random.Next(2) == 0 ? null : "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"))],
    };

    private static readonly HubClient SharedClient = new(new HttpClient(), Options);

    private static HubClient Client() => SharedClient;

    private static void Parse(string json) => UntrustedInput.Parse(() =>
    {
        using var document = JsonDocument.Parse(json);
        Client().Parse(document.RootElement, "org/model");
    }, AllocationBound, typeof(HubException), typeof(JsonException));
}
