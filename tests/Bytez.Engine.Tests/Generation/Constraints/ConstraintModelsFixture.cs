using Bytez.Engine.Generation;
using Bytez.Engine.LlamaCpp;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary>
/// Real tokenizers and tiny real-format decoders for the constraint tests: GPT-2's byte-level BPE vocabulary (50 257
/// tokens) as a Hugging Face tokenizer, a tiny GGUF llama with a SentencePiece vocabulary (byte tokens included) in
/// llama.cpp, and a tiny ONNX decoder with a byte-level BPE vocabulary; both decoders have a long enough context for
/// a whole bounded JSON answer.
/// </summary>
public sealed class ConstraintModelsFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-constraints-").FullName;
    private readonly Lazy<HfTokenizer> _gpt2 = new(() => HfTokenizer.FromJson(Gpt2Vocabulary.Load().ToTokenizerJson()));

    /// <summary>GPT-2's tokenizer.</summary>
    public ITextTokenizer Gpt2 => _gpt2.Value;

    /// <summary>The tiny GGUF model in llama.cpp (SentencePiece vocabulary).</summary>
    public LlamaCppInstance Gguf { get; private set; } = null!;

    /// <summary>The tiny ONNX decoder (byte-level BPE vocabulary).</summary>
    public OnnxDecoderInstance Onnx { get; private set; } = null!;

    private LlamaCppRuntime Runtime { get; } = new(new LlamaCppOptions { Threads = 1, SequencesPerContext = 1 });

    public async ValueTask InitializeAsync()
    {
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "gguf", "tiny.gguf"), new GgufTinyOptions { ContextLength = 2048 });
        Gguf = (LlamaCppInstance)await Runtime.LoadAsync(
            new ModelDescriptor { Id = "test/tiny-llama", Task = "text-generation", Path = gguf.Path, Source = ModelSource.Local },
            TestContext.Current.CancellationToken);
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(_folder, "onnx"), new OnnxDecoderModelOptions { ContextLength = 2048 });
        Onnx = OnnxDecoderTestFolder.Load(onnx);
    }

    public ValueTask DisposeAsync()
    {
        Gguf?.Dispose();
        Onnx?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
