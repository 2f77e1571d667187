using System.Text.Json;
using Bytez.Engine.Embedded;
using Bytez.Engine.Layouts;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tokenization;
using Bytez.Protocol;

namespace Bytez.Engine.Onnx;

/// <summary>
/// ONNX models in the Hugging Face layouts (<see cref="OnnxLayout"/>: <c>onnx/</c> or the root, full precision or the
/// first variant present): sentence-transformers embedding folders (<c>modules.json</c> or a plain encoder export) and
/// decoder-only language models and encoder-decoder (seq2seq) models in the Optimum / transformers.js layout, and vision
/// and audio encoders (<c>config.json</c>, <c>preprocessor_config.json</c> and one ONNX graph, no tokenizer needed; the
/// task guessed from <c>architectures</c> by <see cref="TensorTasks.Guess"/>; VITS text-to-speech folders have
/// <c>vocab.json</c> instead of the preprocessor file). The files chosen are recorded in the
/// descriptor (<see cref="ModelDescriptor.WeightFiles"/>).
/// </summary>
/// <param name="decoderOptions">
/// The decoder options the server loads decoders with (<see cref="OnnxDecoderOptions.Default"/> when
/// <see langword="null"/>): their prefix cache budget is part of a decoder's memory estimate, and their
/// <see cref="OnnxDecoderOptions.Variant"/> is the weight variant a decoder folder is described by (that file, its size
/// the estimate, when the folder has it; else full precision or the first variant present).
/// </param>
public sealed class OnnxModelFormat(OnnxDecoderOptions? decoderOptions = null) : IModelFormat
{
    /// <summary>Bytes added to the weights for the runtime and caches in the memory estimate of a decoder: 128 MiB.</summary>
    public const long DecoderOverheadBytes = 128L << 20;

    private readonly long _decoderExtraBytes = DecoderOverheadBytes + (decoderOptions ?? OnnxDecoderOptions.Default).PrefixCacheReservedBytes;
    private readonly string? _decoderVariant = decoderOptions?.Variant;

    /// <inheritdoc />
    public string Name => "onnx (Hugging Face layout)";

    /// <inheritdoc />
    public ModelDescriptor? TryDescribe(string id, string path, string? task)
    {
        if (!Directory.Exists(path))
        {
            return null;
        }

        try
        {
            return Describe(id, path, task);
        }
        catch (InvalidDataException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} holds an ONNX file this server cannot read: {e.Message}", e);
        }
    }

    private ModelDescriptor? Describe(string id, string path, string? task)
    {
        if (OnnxSeq2SeqLoader.IsSeq2SeqFolder(path) && OnnxSeq2SeqLoader.FindFiles(path) is { } seq2seq)
        {
            string[] files = seq2seq.DecoderWithPast is { } past ? [seq2seq.Encoder, seq2seq.Decoder, past] : [seq2seq.Encoder, seq2seq.Decoder];
            var bytes = files.Sum(WeightBytes);
            return new ModelDescriptor
            {
                Id = id,
                Task = task ?? OnnxSeq2SeqLoader.GuessTask(path),
                Path = path,
                ParameterCount = OnnxParameterCounter.Count(seq2seq.Encoder) + OnnxParameterCounter.Count(seq2seq.Decoder),
                WeightBytes = bytes,
                EstimatedRamBytes = bytes + DecoderOverheadBytes,
                WeightFiles = Relative(path, files),
            };
        }

        if (OnnxDecoderLoader.IsDecoderFolder(path)
            && ((string.IsNullOrWhiteSpace(_decoderVariant) ? null : OnnxLayout.FindWeightsIn(path, OnnxFamily.Decoder, _decoderVariant))
                ?? OnnxLayout.FindWeightsIn(path, OnnxFamily.Decoder, null)) is { } decoder)
        {
            var file = decoder[0];
            return new ModelDescriptor
            {
                Id = id,
                Task = task ?? (HasChatTemplate(path) ? BytezTasks.Chat : BytezTasks.TextGeneration),
                Path = path,
                ParameterCount = OnnxParameterCounter.Count(file),
                WeightBytes = WeightBytes(file),
                EstimatedRamBytes = WeightBytes(file) + _decoderExtraBytes,
                WeightFiles = Relative(path, decoder),
            };
        }

        if (DescribeTensorModel(id, path, task) is { } tensorModel)
        {
            return tensorModel;
        }

        if (OnnxLayout.FindWeightsIn(path, OnnxFamily.Encoder, null) is { } encoderFiles
            && (File.Exists(Path.Combine(path, "modules.json")) || File.Exists(Path.Combine(path, "vocab.txt")) || File.Exists(Path.Combine(path, "tokenizer.json"))))
        {
            var encoder = encoderFiles[0];
            return new ModelDescriptor
            {
                Id = id,
                Task = task ?? BytezTasks.FeatureExtraction,
                Path = path,
                ParameterCount = OnnxParameterCounter.Count(encoder),
                WeightBytes = WeightBytes(encoder),
                EstimatedRamBytes = EmbeddedModels.EstimateRamBytes(WeightBytes(encoder)),
                WeightFiles = Relative(path, encoderFiles),
            };
        }

        return null;
    }

    /// <summary>
    /// A vision or audio encoder folder (<see cref="TensorTasks"/>): one ONNX graph of the encoder layout with
    /// <c>config.json</c> and <c>preprocessor_config.json</c>, its task given or guessed from <c>architectures</c>;
    /// <see langword="null"/> for any other folder. Its memory estimate is the encoders' (twice the weights plus the
    /// runtime's overhead).
    /// </summary>
    /// <exception cref="EngineException">
    /// The folder looks like one (it has a <c>preprocessor_config.json</c>, or the task given is a vision or audio task)
    /// but a configuration file is missing or malformed (BadInput, naming the file).
    /// </exception>
    private static ModelDescriptor? DescribeTensorModel(string id, string path, string? task)
    {
        if (task is not null && !TensorTasks.All.Contains(task))
        {
            return null;
        }

        var hasPreprocessor = File.Exists(Path.Combine(path, TensorModelConfig.PreprocessorFile));
        if (!hasPreprocessor && task is null && !IsVitsFolder(path))
        {
            return null;
        }

        if (OnnxLayout.FindWeightsIn(path, OnnxFamily.Encoder, null) is not { } files)
        {
            RefuseSplitDualEncoder(path, task);
            return null;
        }

        var config = TensorModelConfig.Read(path);
        var guessed = task ?? TensorTasks.Guess(config);
        if (guessed is null || TensorTasks.NeedsPreprocessor(guessed))
        {
            config.RequirePreprocessor(path);
        }

        if (guessed is null)
        {
            return null;
        }

        var file = files[0];
        return new ModelDescriptor
        {
            Id = id,
            Task = guessed,
            Path = path,
            ParameterCount = OnnxParameterCounter.Count(file),
            WeightBytes = WeightBytes(file),
            EstimatedRamBytes = EmbeddedModels.EstimateRamBytes(WeightBytes(file)),
            WeightFiles = Relative(path, files),
        };
    }

    /// <summary>
    /// Whether a folder without <c>preprocessor_config.json</c> holds a VITS text-to-speech model: a character
    /// <c>vocab.json</c> beside a <c>config.json</c> whose <c>model_type</c> is <c>vits</c> (a folder that cannot be
    /// read as one is simply not one here).
    /// </summary>
    private static bool IsVitsFolder(string path)
    {
        if (!File.Exists(Path.Combine(path, "vocab.json")) || !File.Exists(Path.Combine(path, TensorModelConfig.ConfigFile)))
        {
            return false;
        }

        try
        {
            return TensorModelConfig.Read(path).ModelType == "vits";
        }
        catch (EngineException)
        {
            return false;
        }
    }

    /// <summary>
    /// Refuses, naming what is served, a zero-shot-image-classification folder that holds only the split towers
    /// (<c>text_model.onnx</c> and <c>vision_model.onnx</c>, which Xenova's CLIP repositories also ship for embedding
    /// caches): the task runs the single <c>model.onnx</c> that gives <c>logits_per_image</c>.
    /// </summary>
    /// <exception cref="EngineException">The folder is such a folder (NotSupported).</exception>
    private static void RefuseSplitDualEncoder(string path, string? task)
    {
        var split = OnnxLayout.Folders.Any(f => File.Exists(Path.Combine(path, f, "text_model.onnx")) || File.Exists(Path.Combine(path, f, "vision_model.onnx")));
        if (!split || (task is not null && task != BytezTasks.ZeroShotImageClassification))
        {
            return;
        }

        if (task is null && TensorTasks.Guess(TensorModelConfig.Read(path)) != BytezTasks.ZeroShotImageClassification)
        {
            return;
        }

        throw EngineException.NotSupported(
            $"The model folder {path} holds a dual encoder split into text_model.onnx and vision_model.onnx; the server serves "
            + "zero-shot-image-classification from the single onnx/model.onnx (input_ids, attention_mask for CLIP, pixel_values → logits_per_image) "
            + "that Optimum and Xenova export beside them. Add that file to the folder.");
    }

    /// <summary>Full paths under a folder as the descriptor records them: relative, with <c>/</c>.</summary>
    private static string[] Relative(string folder, IEnumerable<string> files) =>
        [.. files.Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))];

    /// <summary>The size of an ONNX file together with its external data files, if any.</summary>
    public static long WeightBytes(string onnxFile)
    {
        ArgumentNullException.ThrowIfNull(onnxFile);
        var bytes = new FileInfo(onnxFile).Length;
        var directory = Path.GetDirectoryName(onnxFile)!;
        var name = Path.GetFileName(onnxFile);
        foreach (var data in Directory.EnumerateFiles(directory, name + "_data*"))
        {
            bytes += new FileInfo(data).Length;
        }

        return bytes;
    }

    private static bool HasChatTemplate(string folder)
    {
        var config = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(config))
        {
            return File.Exists(Path.Combine(folder, "chat_template.jinja"));
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(config));
            return document.RootElement.TryGetProperty("chat_template", out var template) && template.ValueKind != JsonValueKind.Null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>The ONNX Runtime backend for decoder-only language models (text-generation and chat).</summary>
public sealed class OnnxDecoderRuntime(
    OnnxRuntimeOptions? options = null, OnnxDecoderOptions? decoderOptions = null, TokenizerOptions? tokenizerOptions = null) : IModelRuntime
{
    private readonly TokenizerOptions _tokenizerOptions = tokenizerOptions ?? TokenizerOptions.Default;

    private readonly OnnxRuntimeOptions _options = options ?? new OnnxRuntimeOptions();
    private readonly OnnxDecoderOptions _decoderOptions = decoderOptions ?? OnnxDecoderOptions.Default;

    /// <inheritdoc />
    public string Name => "onnx (decoder)";

    /// <inheritdoc />
    public bool CanLoad(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Task is BytezTasks.TextGeneration or BytezTasks.Chat && OnnxDecoderLoader.IsDecoderFolder(model.Path);
    }

    /// <inheritdoc />
    public async ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken) =>
        await Task.Run(() => OnnxDecoderLoader.Load(model, _options, _decoderOptions, _tokenizerOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
}
