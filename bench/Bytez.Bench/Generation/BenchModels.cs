using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Testing.TinyModels;

namespace Bytez.Bench.Generation;

/// <summary>
/// The tiny generative models every benchmark mode measures, written at run time in real formats: one definition, so
/// the `generation` and `load` modes measure the same models.
/// </summary>
internal static class BenchModels
{
    /// <summary>The GGUF llama model: GPT-2 vocabulary, 4 layers, d 256, ~30 M parameters.</summary>
    public static GgufTinyOptions GgufOptions { get; } = new()
    {
        Vocabulary = GgufVocabularyKind.Gpt2,
        Layers = 4,
        EmbeddingLength = 256,
        FeedForwardLength = 1024,
        Heads = 8,
        KeyValueHeads = 4,
        ContextLength = 512,
    };

    /// <summary>The ONNX GPT-2-style decoder: 4 layers, hidden 512, ~13 M parameters.</summary>
    public static OnnxDecoderModelOptions OnnxOptions { get; } = new() { Layers = 4, Hidden = 512, Heads = 8, ContextLength = 512 };

    /// <summary>Writes both models under <paramref name="work"/>.</summary>
    public static (GgufTinyModel Gguf, OnnxDecoderModel Onnx) Write(string work) =>
        (GgufModelWriter.WriteTinyLlama(Path.Combine(work, "tiny-gguf", "tiny-llama-gpt2.gguf"), GgufOptions),
         OnnxDecoderModelWriter.Write(Path.Combine(work, "tiny-onnx"), OnnxOptions));

    /// <summary>
    /// SmolLM2-135M's exact shapes as a Llama ONNX decoder with random weights: 30 layers, hidden 576, MLP 1,536,
    /// 9 heads / 3 key/value heads (head dim 64), vocabulary 49,152, embeddings tied, context 8,192; fp32 (~540 MB).
    /// Random weights that keep greedy decoding varied, so the equality of greedy ids across paths means something:
    /// the projections that write into the residual stream (attention output, MLP down) scaled by 1/√(2 × layers) as
    /// GPT-2 initializes them, and the tied embedding at standard deviation 0.002, tiny beside the layers' sum so the
    /// tied head does not pick the current token again (RMSNorm still hands the first layer the token's direction).
    /// Probed greedy, 16 new tokens after two random 16-token prompts (the embedding's std: distinct ids of 16):
    /// 1 → the last token repeated; 0.05 → 1 and 2 (a fixed point); 0.02 → 6 and 4; 0.002 → 11 and 9.
    /// </summary>
    public static OnnxDecoderModelOptions SmolLm2Options { get; } = new()
    {
        Architecture = OnnxDecoderArchitecture.Llama,
        Layers = 30,
        Hidden = 576,
        IntermediateSize = 1536,
        Heads = 9,
        KeyValueHeads = 3,
        VocabularySize = 49_152,
        TiedEmbeddings = true,
        EmbeddingStd = 0.002f,
        ResidualOutputScale = 1f / MathF.Sqrt(2 * 30),
        ContextLength = 8192,
    };

    /// <summary>The quantizations <c>generation-onnx-real --quant</c> takes, by name: the file onnx-community names it by and how the writer stores it.</summary>
    public static IReadOnlyDictionary<string, OnnxDecoderWeights> OnnxQuantizations { get; } = new Dictionary<string, OnnxDecoderWeights>(StringComparer.OrdinalIgnoreCase)
    {
        ["fp32"] = OnnxDecoderWeights.Float32,
        ["int8"] = OnnxDecoderWeights.Int8,
        ["q4"] = OnnxDecoderWeights.Q4,
    };

    /// <summary>Bumped when the written files change, so an old cache folder is not reused.</summary>
    private const string RealOnnxVersion = "v4";

    /// <summary>
    /// The SmolLM2-135M-shaped ONNX decoder under <paramref name="cache"/> in the onnx-community layout
    /// (<c>onnx/model.onnx</c>, <c>config.json</c>, tokenizer files) with the variant file of <paramref name="weights"/>
    /// beside it (<c>onnx/model_quantized.onnx</c>, <c>onnx/model_q4.onnx</c>) and a <c>genai_config.json</c> naming that
    /// file for ONNX Runtime GenAI; each file written once (seconds, ~540 MB for fp32), reused afterwards. Call it before
    /// the server starts: files written under a watched folder mid-run would be rescanned. Returns the folder and the file.
    /// </summary>
    public static (string Folder, string OnnxPath) EnsureSmolLm2Onnx(string cache, OnnxDecoderWeights weights = OnnxDecoderWeights.Float32)
    {
        var folder = Path.Combine(cache, "bench", "smollm2-135m-shape-onnx-" + RealOnnxVersion);
        var options = SmolLm2Options with { Weights = weights };
        var onnx = Path.Combine(folder, "onnx", OnnxDecoderModelWriter.FileNameOf(options));
        var done = Path.Combine(folder, ".complete");
        if (!File.Exists(done))
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            OnnxDecoderModelWriter.Write(folder, SmolLm2Options);
            File.WriteAllText(done, DateTime.UtcNow.ToString("O"));
        }

        var variantDone = Path.Combine(folder, ".complete" + OnnxDecoderModelWriter.SuffixOf(weights));
        if (!File.Exists(variantDone))
        {
            OnnxDecoderModelWriter.WriteVariant(folder, options);
            File.WriteAllText(variantDone, DateTime.UtcNow.ToString("O"));
        }

        OnnxDecoderModelWriter.WriteGenAiConfig(folder, "onnx/" + Path.GetFileName(onnx), options);
        return (folder, onnx);
    }
}
