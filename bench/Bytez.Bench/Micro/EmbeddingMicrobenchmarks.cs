using BenchmarkDotNet.Attributes;
using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Bytez.Bench.Micro;

/// <summary>
/// In-process pieces with their allocations: tokenizing one sentence, and embedding one sentence through the engine
/// and through a bare session (both tokenize, pool and normalize; both 1 session × 1 thread). Run: <c>dotnet run -c Release --project bench/Bytez.Bench -- micro --filter *</c>.
/// </summary>
[MemoryDiagnoser]
public class EmbeddingMicrobenchmarks
{
    private const string Sentence = "The restoration of the old façade took two years and cost far more than the city had budgeted.";
    private static readonly int[] NoOrder = [0];
    private BertWordPieceTokenizer _tokenizer = null!;
    private BertTokenizer _direct = null!;
    private IEmbeddingInstance _engine = null!;
    private BareSession _bare = null!;
    private int[][] _tokens = null!;
    private readonly float[][] _results = new float[1][];
    private readonly EmbeddingOptions _options = new();
    private readonly string[] _one = [Sentence];

    [GlobalSetup]
    public void Setup()
    {
        var descriptor = EmbeddedModels.EnsureExtracted(Path.Combine(Path.GetTempPath(), "bytez-bench-models"), EmbeddedModels.MiniLM);
        _tokenizer = BertWordPieceTokenizer.FromDirectory(descriptor.Path);
        _direct = BertTokenizer.Create(
            Path.Combine(descriptor.Path, "vocab.txt"),
            new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        _engine = (IEmbeddingInstance)new OnnxRuntime(new OnnxRuntimeOptions { Sessions = 1 })
            .LoadAsync(descriptor, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _bare = new BareSession(Path.Combine(descriptor.Path, "onnx", "model.onnx"), 1);
        _tokens = [_tokenizer.Encode(Sentence, 256).Ids];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _bare.Dispose();
    }

    [Benchmark]
    public int TokenizeEngine() => _tokenizer.Encode(Sentence, 256).Ids.Length;

    [Benchmark]
    public int TokenizeMicrosoftMl() => _direct.EncodeToIds(Sentence).Count;

    [Benchmark]
    public float[] EmbedOneEngine() => _engine.EmbedAsync(_one, _options, CancellationToken.None).AsTask().GetAwaiter().GetResult()[0];

    [Benchmark(Baseline = true)]
    public float[] EmbedOneBareSession()
    {
        _tokens[0] = _tokenizer.Encode(Sentence, 256).Ids; // tokenized here too, as the engine does
        _bare.Run(_tokens, NoOrder, 0, 1, _results);
        return _results[0];
    }
}
