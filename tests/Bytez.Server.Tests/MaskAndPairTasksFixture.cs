using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Server.Tests;

/// <summary>The tests of fill-mask, zero-shot-classification and text-ranking share one server on their tiny models.</summary>
[CollectionDefinition(nameof(MaskAndPairTasksCollection))]
public sealed class MaskAndPairTasksCollection : ICollectionFixture<MaskAndPairTasksFixture>;

/// <summary>
/// Writes the tiny fill-mask, NLI and reranker models (their designs in <c>tests/Bytez.Testing/TinyModels</c>), adds
/// them with <c>add-model --task</c> and starts the real server on them.
/// </summary>
public sealed class MaskAndPairTasksFixture : IAsyncLifetime
{
    private string _root = null!;

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <summary>A BERT masked language model (<c>[MASK]</c>; capital 6, city 4, river 2 at the mask).</summary>
    public FillMaskModel WordPieceMask { get; private set; } = null!;

    /// <summary>A RoBERTa masked language model (<c>&lt;mask&gt;</c>, byte-level BPE).</summary>
    public FillMaskModel ByteLevelMask { get; private set; } = null!;

    /// <summary>A BERT NLI model (contradiction, neutral, entailment) whose second segment adds entailment 0.25, contradiction -0.25.</summary>
    public ZeroShotModel Nli { get; private set; } = null!;

    /// <summary>An NLI model with ENTAILMENT at id 0 (Python then takes the LAST column as contradiction).</summary>
    public ZeroShotModel NliEntailmentFirst { get; private set; } = null!;

    /// <summary>A BERT cross-encoder whose second segment adds 0.25 per token.</summary>
    public RerankerModel Reranker { get; private set; } = null!;

    /// <summary>An XLM-R-style (Unigram, no token types) cross-encoder without the sentence_transformers config entry.</summary>
    public RerankerModel UnigramReranker { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("bytez-mask-pair-tasks-").FullName;
        string Folder(string name) => Path.Combine(_root, "files", name);
        WordPieceMask = FillMaskModelWriter.Write(Folder("fill-wordpiece"));
        ByteLevelMask = FillMaskModelWriter.Write(Folder("fill-bpe"), new FillMaskModelOptions { Tokenizer = EncoderTokenizerStyle.ByteLevelBpe });
        Nli = ZeroShotModelWriter.Write(Folder("nli"), new ZeroShotModelOptions
        {
            SecondSegmentLogits = new Dictionary<string, float> { ["entailment"] = 0.25f, ["contradiction"] = -0.25f },
        });
        NliEntailmentFirst = ZeroShotModelWriter.Write(Folder("nli-entailment-first"), new ZeroShotModelOptions { Labels = ["ENTAILMENT", "CONTRADICTION", "NEUTRAL"] });
        Reranker = RerankerModelWriter.Write(Folder("reranker"), new RerankerModelOptions { SecondSegmentLogit = 0.25f });
        UnigramReranker = RerankerModelWriter.Write(Folder("reranker-unigram"), new RerankerModelOptions { Tokenizer = EncoderTokenizerStyle.Unigram, SentenceTransformersConfig = false });
        var models = Path.Combine(_root, "models");
        foreach (var (folder, id, task) in new[]
        {
            (WordPieceMask.Folder, Ids.FillWordPiece, "fill-mask"),
            (ByteLevelMask.Folder, Ids.FillByteLevel, "fill-mask"),
            (Nli.Folder, Ids.Nli, "zero-shot-classification"),
            (NliEntailmentFirst.Folder, Ids.NliEntailmentFirst, "zero-shot-classification"),
            (Reranker.Folder, Ids.Reranker, "text-ranking"),
            (UnigramReranker.Folder, Ids.UnigramReranker, "text-ranking"),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
            Assert.True(code == 0, $"add-model {id} failed ({code}): {error}");
        }

        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "2",
        });
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The catalog ids of the models.</summary>
    public static class Ids
    {
        public const string FillWordPiece = "tiny/bert-fill-mask";
        public const string FillByteLevel = "tiny/roberta-fill-mask";
        public const string Nli = "tiny/bert-nli";
        public const string NliEntailmentFirst = "tiny/nli-entailment-first";
        public const string Reranker = "tiny/bert-reranker";
        public const string UnigramReranker = "tiny/xlmr-reranker";
    }
}

/// <summary>Expected scores in closed form, in the float32 arithmetic of the Python pipelines.</summary>
internal static class Float32Expected
{
    /// <summary>Softmax shifted by the maximum: float32 exponentials summed in double, each quotient rounded to float32.</summary>
    public static float[] Softmax(params float[] logits)
    {
        var max = logits.Max();
        var exps = logits.Select(x => MathF.Exp(x - max)).ToArray();
        var sum = exps.Sum(e => (double)e);
        return exps.Select(e => (float)(e / sum)).ToArray();
    }

    /// <summary>The logistic function in float32.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Asserts a JSON score is a float32 value (as Python's <c>.item()</c> of a float32) equal to the expected one to float32 precision.</summary>
    public static void AssertScore(float expected, double actual)
    {
        Assert.Equal((double)(float)actual, actual);
        Assert.True(Math.Abs(expected - actual) <= 2e-7 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
    }
}
