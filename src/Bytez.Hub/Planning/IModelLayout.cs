namespace Bytez.Hub.Planning;

/// <summary>The kinds of ONNX models, by the files they are made of (as the engine declares them).</summary>
public enum WeightFamily
{
    /// <summary>One encoder graph: embeddings and classification-style tasks.</summary>
    Encoder,

    /// <summary>One decoder-only language-model graph: text generation and chat.</summary>
    Decoder,

    /// <summary>An encoder graph with one or two decoder graphs: summarization, translation, text2text generation.</summary>
    Seq2Seq,
}

/// <summary>
/// Which files of a repository make a model the engine can load, told to the planner by the host: the engine knows
/// its layouts and the hub project does not reference it (see <see cref="SupportedModels.Layout"/>).
/// </summary>
public interface IModelLayout
{
    /// <summary>The family of ONNX files that serves a task.</summary>
    WeightFamily FamilyOf(string task);

    /// <summary>
    /// The family of ONNX files that serves a task for a model known to be an encoder-decoder or not (speech
    /// recognition is served by either: Whisper or a CTC encoder). By default, <see cref="FamilyOf(string)"/>.
    /// </summary>
    WeightFamily FamilyOf(string task, bool encoderDecoder) => FamilyOf(task);

    /// <summary>
    /// The file sets (repository paths) that make a model of a family, best first, for a precision variant
    /// (transformers.js <c>dtype</c> name) or, when <see langword="null"/>, full precision and then the fallbacks.
    /// A set is usable when every file is present; its first file names the model.
    /// </summary>
    IReadOnlyList<IReadOnlyList<string>> WeightSets(WeightFamily family, string? variant);

    /// <summary>The variants of a family present among some repository paths, for messages.</summary>
    IReadOnlyList<string> VariantsPresent(WeightFamily family, IEnumerable<string> paths);

    /// <summary>
    /// The files besides the weights that a one-graph (encoder family) model of a task cannot run without, as groups of
    /// which one file each must be present (<c>[["tokenizer.json", "vocab.txt"]]</c> for a text classifier,
    /// <c>[["config.json"], ["preprocessor_config.json"]]</c> for an image classifier).
    /// </summary>
    IReadOnlyList<IReadOnlyList<string>> RequiredEncoderFiles(string task);

    /// <summary>The configuration and tokenizer files read when present, in download order.</summary>
    IReadOnlyList<string> SupportFiles { get; }

    /// <summary>Whether a repository path is a configuration or tokenizer file read when present (module configs included).</summary>
    bool IsSupportFile(string path);

    /// <summary>Whether a path is external data of an ONNX file (<c>model.onnx_data</c>, ...).</summary>
    bool IsExternalDataOf(string path, string onnxPath);

    /// <summary>Whether a <c>model_type</c> (or GGUF architecture) is an encoder-decoder model.</summary>
    bool IsEncoderDecoderModelType(string modelType);
}
