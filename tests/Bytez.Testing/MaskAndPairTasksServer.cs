using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server on the tiny fill-mask, NLI and reranker models (their designs in <c>TinyModels/</c>), written at test
/// time and added with the server's own <c>add-model --task</c> command.
/// </summary>
public sealed class MaskAndPairTasksServer : IAsyncDisposable
{
    /// <summary>A BERT masked language model (<c>[MASK]</c>; capital 6, city 4, river 2 at the mask).</summary>
    public const string FillWordPiece = "tiny/bert-fill-mask";

    /// <summary>A RoBERTa masked language model (<c>&lt;mask&gt;</c>, byte-level BPE).</summary>
    public const string FillByteLevel = "tiny/roberta-fill-mask";

    /// <summary>A BERT NLI model (contradiction, neutral, entailment) whose second segment adds entailment 0.25, contradiction -0.25.</summary>
    public const string Nli = "tiny/bert-nli";

    /// <summary>An NLI model with ENTAILMENT at id 0 (Python then takes the LAST column as contradiction).</summary>
    public const string NliEntailmentFirst = "tiny/nli-entailment-first";

    /// <summary>A BERT cross-encoder whose second segment adds 0.25 per token.</summary>
    public const string Reranker = "tiny/bert-reranker";

    /// <summary>An XLM-R-style (Unigram, no token types) cross-encoder without the sentence_transformers config entry.</summary>
    public const string UnigramReranker = "tiny/xlmr-reranker";

    private string _root = null!;

    private MaskAndPairTasksServer()
    {
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <summary>The design of <see cref="FillWordPiece"/>.</summary>
    public FillMaskModel WordPieceMask { get; private set; } = null!;

    /// <summary>The design of <see cref="FillByteLevel"/>.</summary>
    public FillMaskModel ByteLevelMask { get; private set; } = null!;

    /// <summary>The design of <see cref="Nli"/>.</summary>
    public ZeroShotModel NliModel { get; private set; } = null!;

    /// <summary>The design of <see cref="NliEntailmentFirst"/>.</summary>
    public ZeroShotModel NliEntailmentFirstModel { get; private set; } = null!;

    /// <summary>The design of <see cref="Reranker"/>.</summary>
    public RerankerModel RerankerModel { get; private set; } = null!;

    /// <summary>The design of <see cref="UnigramReranker"/>.</summary>
    public RerankerModel UnigramRerankerModel { get; private set; } = null!;

    /// <summary>Writes the models, adds them and starts the server.</summary>
    public static async Task<MaskAndPairTasksServer> StartAsync()
    {
        var s = new MaskAndPairTasksServer { _root = Directory.CreateTempSubdirectory("bytez-mask-pair-tasks-").FullName };
        string Folder(string name) => Path.Combine(s._root, "files", name);
        s.WordPieceMask = FillMaskModelWriter.Write(Folder("fill-wordpiece"));
        s.ByteLevelMask = FillMaskModelWriter.Write(Folder("fill-bpe"), new FillMaskModelOptions { Tokenizer = EncoderTokenizerStyle.ByteLevelBpe });
        s.NliModel = ZeroShotModelWriter.Write(Folder("nli"), new ZeroShotModelOptions
        {
            SecondSegmentLogits = new Dictionary<string, float> { ["entailment"] = 0.25f, ["contradiction"] = -0.25f },
        });
        s.NliEntailmentFirstModel = ZeroShotModelWriter.Write(Folder("nli-entailment-first"), new ZeroShotModelOptions { Labels = ["ENTAILMENT", "CONTRADICTION", "NEUTRAL"] });
        s.RerankerModel = RerankerModelWriter.Write(Folder("reranker"), new RerankerModelOptions { SecondSegmentLogit = 0.25f });
        s.UnigramRerankerModel = RerankerModelWriter.Write(Folder("reranker-unigram"), new RerankerModelOptions { Tokenizer = EncoderTokenizerStyle.Unigram, SentenceTransformersConfig = false });
        var models = Path.Combine(s._root, "models");
        foreach (var (folder, id, task) in new[]
        {
            (s.WordPieceMask.Folder, FillWordPiece, "fill-mask"),
            (s.ByteLevelMask.Folder, FillByteLevel, "fill-mask"),
            (s.NliModel.Folder, Nli, "zero-shot-classification"),
            (s.NliEntailmentFirstModel.Folder, NliEntailmentFirst, "zero-shot-classification"),
            (s.RerankerModel.Folder, Reranker, "text-ranking"),
            (s.UnigramRerankerModel.Folder, UnigramReranker, "text-ranking"),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {id} failed ({code}): {error}");
            }
        }

        s.Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "2",
        });
        return s;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
