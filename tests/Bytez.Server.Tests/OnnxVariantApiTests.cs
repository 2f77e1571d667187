using System.Net;
using Bytez.Engine;
using Bytez.Engine.Onnx.Generation;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// <c>params.dtype</c> on the Bytez route: a tiny ONNX Llama folder with fp32, q8 (dynamic int8) and q4 (MatMulNBits)
/// files, registered with <c>add-model</c>; a request picks its variant, which runs as its own cluster.
/// </summary>
public sealed class OnnxVariantApiTests : IAsyncLifetime
{
    private const string ModelId = "local/tiny-variants";
    private readonly string _root = Directory.CreateTempSubdirectory("bytez-variants-").FullName;
    private OnnxDecoderModel _model = null!;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        var options = new OnnxDecoderModelOptions
        {
            Architecture = OnnxDecoderArchitecture.Llama, Layers = 2, Hidden = 64, Heads = 4, KeyValueHeads = 2, IntermediateSize = 128, Seed = 5,
            ContextLength = 256,
        };
        _model = OnnxDecoderModelWriter.Write(Path.Combine(_root, "files", "tiny-variants"), options);
        OnnxDecoderModelWriter.WriteVariant(_model.Folder, options with { Weights = OnnxDecoderWeights.Q4 });
        OnnxDecoderModelWriter.WriteVariant(_model.Folder, options with { Weights = OnnxDecoderWeights.Int8 });
        var models = Path.Combine(_root, "models");
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, AddModelCommand.Run([_model.Folder, "--id", ModelId, $"--Bytez:ModelsPath={models}"], output, error));
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Run_DtypeQ4_AnswersWithTheQ4FileInItsOwnCluster()
    {
        using var client = _server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, ModelId,
            """{"text": "Once upon a time", "params": {"dtype": "q4", "max_new_tokens": 8, "min_new_tokens": 8, "return_full_text": false}}""");
        var (_, clusters, _) = await GetAsync(client, "list/clusters");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(await GreedyAsync("q4", "Once upon a time", 8), AssertOutput(body).GetString());
        Assert.Contains(AssertOutput(clusters).EnumerateArray(), c => c.GetProperty("modelId").GetString() == ModelId + ":q4");
    }

    [Fact]
    public async Task Run_DtypeMissing_NotFoundNamingTheVariantsThere()
    {
        using var client = _server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, ModelId, """{"text": "Hi", "params": {"dtype": "q4f16", "max_new_tokens": 2}}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        var message = AssertErrorEnvelope(body);
        Assert.Contains("model_q4f16.onnx", message, StringComparison.Ordinal);
        Assert.Contains("fp32, q4, q8", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"q3\"")]
    [InlineData("\"../model\"")]
    [InlineData("4")]
    public async Task Run_DtypeInvalid_BadRequest(string dtype)
    {
        using var client = _server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, ModelId, "{\"text\": \"Hi\", \"params\": {\"dtype\": " + dtype + ", \"max_new_tokens\": 2}}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("dtype", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    /// <summary>The greedy continuation of the variant's file run directly through the engine's loader (end of sequence masked).</summary>
    private async Task<string> GreedyAsync(string variant, string prompt, int count)
    {
        var descriptor = new ModelDescriptor { Id = "test/direct", Task = "text-generation", Path = _model.Folder };
        using var instance = OnnxDecoderLoader.Load(descriptor, new() { IntraOpThreads = 1 }, new OnnxDecoderOptions { Variant = variant }, TestContext.Current.CancellationToken);
        var banned = (instance.Defaults.EosTokenIds ?? instance.Tokenizer.EosTokenIds).ToHashSet();
        using var sequence = instance.CreateSequence();
        var ids = new List<int>();
        var logits = await sequence.ForwardAsync(instance.Tokenizer.Encode(prompt, addSpecialTokens: true), TestContext.Current.CancellationToken);
        while (true)
        {
            var span = logits.Span;
            var best = -1;
            for (var i = 0; i < span.Length; i++)
            {
                if (!banned.Contains(i) && (best < 0 || span[i] > span[best]))
                {
                    best = i;
                }
            }

            ids.Add(best);
            if (ids.Count == count)
            {
                return instance.Tokenizer.Decode([.. ids], true);
            }

            logits = await sequence.ForwardAsync(new[] { best }, TestContext.Current.CancellationToken);
        }
    }
}
