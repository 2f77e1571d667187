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
}
