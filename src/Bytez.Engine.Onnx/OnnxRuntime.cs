using Bytez.Engine.Layouts;
using Bytez.Engine.Onnx.Embedded;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Engine.Onnx.Tensors;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tokenization;
using Bytez.Protocol;

namespace Bytez.Engine.Onnx;

/// <summary>
/// The ONNX Runtime backend (<c>onnx</c>) for encoders: model folders holding one ONNX export (<c>onnx/model.onnx</c>
/// or <c>model.onnx</c>). Embedding tasks load into <see cref="OnnxEmbeddingInstance"/>s (pooling), every other
/// encoder task (classification, question answering, ...) into <see cref="OnnxEncoderInstance"/>s, whose pipeline reads
/// the task's outputs. Summarization, translation, text2text-generation and image-to-text folders (encoder-decoder
/// exports; VisionEncoderDecoder for image-to-text) load into <see cref="OnnxSeq2SeqInstance"/>s. Vision and audio encoder
/// tasks (<see cref="TensorTasks.All"/>) load into <see cref="OnnxTensorInstance"/>s. The embedded media models (ResNet18
/// featurizer, PP-OCRv4, Silero VAD) are recognised by their <c>architectures</c> and load through
/// <see cref="EmbeddedMediaLoader"/>. Decoder folders are the decoder runtime's (<see cref="OnnxDecoderRuntime"/>).
/// </summary>
public sealed class OnnxRuntime : IModelRuntime
{
    private readonly OnnxRuntimeOptions _options;
    private readonly TokenizerOptions _tokenizerOptions;

    /// <summary>Creates the runtime with the given options (or the defaults).</summary>
    public OnnxRuntime(OnnxRuntimeOptions? options = null, TokenizerOptions? tokenizerOptions = null)
    {
        _options = options ?? new OnnxRuntimeOptions();
        _options.Validate();
        _tokenizerOptions = tokenizerOptions ?? TokenizerOptions.Default;
    }

    /// <summary>The tasks whose models load as embedding instances (pooling); other encoder tasks load as <see cref="OnnxEncoderInstance"/>s.</summary>
    public static IReadOnlySet<string> EmbeddingTasks { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        BytezTasks.FeatureExtraction, BytezTasks.SentenceSimilarity,
    };

    /// <summary>The tasks of the decoder runtime, never loaded here.</summary>
    private static readonly HashSet<string> GenerativeTasks = new(StringComparer.Ordinal) { BytezTasks.TextGeneration, BytezTasks.Chat };

    /// <inheritdoc />
    public string Name => "onnx";

    /// <inheritdoc />
    public bool CanLoad(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (GenerativeTasks.Contains(model.Task) || !Directory.Exists(model.Path))
        {
            return false;
        }

        // The embedded media models first (their folders look like tensor folders).
        if (EmbeddedMediaLoader.ArchitectureOf(model.Path) is not null)
        {
            return true;
        }

        if (OnnxLayout.FamilyOf(model.Task, OnnxSeq2SeqLoader.IsSeq2SeqFolder(model.Path)) == OnnxFamily.Seq2Seq)
        {
            return OnnxSeq2SeqLoader.IsSeq2SeqFolder(model.Path);
        }

        if (TensorTasks.All.Contains(model.Task))
        {
            // Encoder-decoder speech models (Whisper) are not tensor instances.
            return File.Exists(Path.Combine(model.Path, TensorModelConfig.ConfigFile))
                && SentenceTransformerConfig.FindOnnxFile(model.Path) is not null
                && !OnnxSeq2SeqLoader.IsSeq2SeqFolder(model.Path);
        }

        if (EmbeddingTasks.Contains(model.Task))
        {
            return SentenceTransformerConfig.FindOnnxFile(model.Path) is not null
                || Directory.EnumerateFiles(model.Path, "model.onnx", SearchOption.AllDirectories).Any();
        }

        return SentenceTransformerConfig.FindOnnxFile(model.Path) is not null && !OnnxDecoderLoader.IsDecoderFolder(model.Path);
    }

    /// <inheritdoc />
    public async ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (GenerativeTasks.Contains(model.Task))
        {
            throw EngineException.NotSupported($"The ONNX encoder runtime does not serve the task '{model.Task}'; decoders load in the decoder runtime.");
        }

        if (EmbeddedMediaLoader.ArchitectureOf(model.Path) is not null)
        {
            return await Task.Run(() => EmbeddedMediaLoader.Load(model, _options, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (OnnxLayout.FamilyOf(model.Task, OnnxSeq2SeqLoader.IsSeq2SeqFolder(model.Path)) == OnnxFamily.Seq2Seq)
        {
            return await Task.Run(() => OnnxSeq2SeqLoader.Load(model, _options, _tokenizerOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (TensorTasks.All.Contains(model.Task))
        {
            return await Task.Run(() => OnnxTensorInstance.Load(model, _options, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return EmbeddingTasks.Contains(model.Task)
            ? await Task.Run(() => OnnxEmbeddingInstance.Load(model, _options, cancellationToken), cancellationToken).ConfigureAwait(false)
            : await Task.Run(() => OnnxEncoderInstance.Load(model, _options, _tokenizerOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
    }
}
