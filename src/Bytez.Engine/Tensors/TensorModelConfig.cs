using System.Text.Json;
using Bytez.Engine.Encoders;

namespace Bytez.Engine.Tensors;

/// <summary>
/// What a vision or audio task reads from a model folder: <c>config.json</c> (<c>model_type</c>, <c>architectures</c>,
/// the labels as Hugging Face's <c>PretrainedConfig</c> reads them, <c>problem_type</c>, and the whole document for the
/// task's own keys) and <c>preprocessor_config.json</c> (the image processor or feature extractor, as a document).
/// Both files are untrusted: each is bounded in size (<see cref="MaxFileBytes"/>) and depth, and a missing or malformed
/// one is a <see cref="EngineErrorKind.BadInput"/> error naming the file.
/// </summary>
public sealed class TensorModelConfig
{
    /// <summary>The largest configuration file read: 16 MiB (ImageNet-21k's <c>id2label</c> is under 1 MiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>The name of the model configuration file.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The name of the preprocessing configuration file.</summary>
    public const string PreprocessorFile = "preprocessor_config.json";

    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    private TensorModelConfig(EncoderModelConfig labels, IReadOnlyList<string> architectures, JsonElement raw, JsonElement? preprocessor)
    {
        Labels = labels.Labels;
        LabelIds = labels.LabelIds;
        ProblemType = labels.ProblemType;
        ModelType = labels.ModelType;
        Architectures = architectures;
        Raw = raw;
        Preprocessor = preprocessor;
    }

    /// <summary><c>model_type</c> (<c>vit</c>, <c>detr</c>, <c>wav2vec2</c>, ...), empty when absent.</summary>
    public string ModelType { get; }

    /// <summary><c>architectures</c> (<c>ViTForImageClassification</c>, ...), empty when absent.</summary>
    public IReadOnlyList<string> Architectures { get; }

    /// <summary>The labels in id order (<c>id2label</c>, missing ids named <c>LABEL_i</c>; else <c>num_labels</c> of them, default two).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Label name to id (<c>label2id</c>, else the inverse of <see cref="Labels"/>).</summary>
    public IReadOnlyDictionary<string, int> LabelIds { get; }

    /// <summary><c>problem_type</c>: <c>single_label_classification</c>, <c>multi_label_classification</c>, <c>regression</c> or <see langword="null"/>.</summary>
    public string? ProblemType { get; }

    /// <summary>The number of labels (<c>num_labels</c>: the count of <see cref="Labels"/>).</summary>
    public int LabelCount => Labels.Count;

    /// <summary>The whole <c>config.json</c> (a JSON object), for task-specific keys (<c>conv_stride</c>, <c>num_queries</c>, ...).</summary>
    public JsonElement Raw { get; }

    /// <summary>The whole <c>preprocessor_config.json</c> (a JSON object), or <see langword="null"/> when the folder has none.</summary>
    public JsonElement? Preprocessor { get; }

    /// <summary>The label of an id: <see cref="Labels"/>, or <c>LABEL_i</c> past them (an output wider than the configuration).</summary>
    public string Label(int id) => id >= 0 && id < Labels.Count ? Labels[id] : "LABEL_" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>preprocessor_config.json</c> document, which vision and audio tasks need.</summary>
    /// <exception cref="EngineException">The folder has none (BadInput, naming the file).</exception>
    public JsonElement RequirePreprocessor(string folder) => Preprocessor
        ?? throw EngineException.BadInput($"The model folder {folder} has no {PreprocessorFile}; vision and audio models need it to prepare their inputs.");

    /// <summary>Reads <c>config.json</c> and, when present, <c>preprocessor_config.json</c> of a model folder.</summary>
    /// <exception cref="EngineException">
    /// <c>config.json</c> is missing, either file is too large, not a JSON object, or declares impossible labels
    /// (BadInput, naming the file).
    /// </exception>
    public static TensorModelConfig Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var configPath = Path.Combine(folder, ConfigFile);
        var configText = ReadBounded(configPath) ?? throw EngineException.BadInput($"The model folder {folder} has no {ConfigFile}.");
        var preprocessorPath = Path.Combine(folder, PreprocessorFile);
        var preprocessorText = ReadBounded(preprocessorPath);
        return Parse(configText, configPath, preprocessorText, preprocessorPath);
    }

    /// <summary>Parses the texts of a <c>config.json</c> and (optionally) a <c>preprocessor_config.json</c>; the paths name them in errors.</summary>
    /// <exception cref="EngineException">A text is not a JSON object or declares impossible labels (BadInput, naming the file).</exception>
    public static TensorModelConfig Parse(string configJson, string configPath, string? preprocessorJson = null, string? preprocessorPath = null)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        var raw = ParseObject(configJson, configPath);
        EncoderModelConfig labels;
        try
        {
            labels = EncoderModelConfig.Parse(configJson, configPath);
        }
        catch (EngineException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, e.Message, e);
        }

        var architectures = new List<string>();
        if (raw.TryGetProperty("architectures", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            architectures.AddRange(list.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!));
        }

        JsonElement? preprocessor = preprocessorJson is null ? null : ParseObject(preprocessorJson, preprocessorPath ?? PreprocessorFile);
        return new TensorModelConfig(labels, architectures, raw, preprocessor);
    }

    private static string? ReadBounded(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > MaxFileBytes)
            {
                throw EngineException.BadInput($"{path} is {info.Length} bytes; a configuration file may have at most {MaxFileBytes}.");
            }

            return File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} cannot be read: {e.Message}", e);
        }
    }

    private static JsonElement ParseObject(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Lenient);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw EngineException.BadInput($"{path} is not a JSON object (it holds a {document.RootElement.ValueKind}).");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
