using System.Globalization;
using System.Text.Json;

namespace Bytez.Engine.Encoders;

/// <summary>
/// What the encoder tasks read from a model folder's <c>config.json</c> and <c>tokenizer_config.json</c>, as Hugging
/// Face's <c>PretrainedConfig</c> and tokenizer do: the labels (<c>id2label</c>, missing ids named <c>LABEL_i</c>),
/// <c>label2id</c>, <c>problem_type</c>, the legacy pipeline keys, and the longest input.
/// </summary>
public sealed record EncoderModelConfig
{
    /// <summary>The most labels a configuration may declare (a model file is untrusted input).</summary>
    public const int MaxLabels = 1 << 20;

    /// <summary>The longest input used when neither file states one (BERT's).</summary>
    public const int DefaultMaxLength = 512;

    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    /// <summary>The labels in id order (<c>id2label</c>; Hugging Face's default is two, <c>LABEL_0</c> and <c>LABEL_1</c>).</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];

    /// <summary>Label name to id (<c>label2id</c>, else the inverse of <see cref="Labels"/>).</summary>
    public IReadOnlyDictionary<string, int> LabelIds { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary><c>problem_type</c>: <c>regression</c>, <c>single_label_classification</c>, <c>multi_label_classification</c> or <see langword="null"/>.</summary>
    public string? ProblemType { get; init; }

    /// <summary>The legacy <c>function_to_apply</c> key of the configuration, if any.</summary>
    public string? FunctionToApply { get; init; }

    /// <summary>The legacy <c>return_all_scores</c> key of the configuration, if any.</summary>
    public bool? ReturnAllScores { get; init; }

    /// <summary>
    /// A cross-encoder's activation as sentence-transformers saves it: <c>sentence_transformers.activation_fn</c>,
    /// else the legacy <c>sbert_ce_default_activation_function</c> (a Python path such as
    /// <c>torch.nn.modules.activation.Sigmoid</c>), or <see langword="null"/>.
    /// </summary>
    public string? ActivationFunction { get; init; }

    /// <summary><c>model_type</c> (<c>bert</c>, <c>roberta</c>, ...), empty when absent.</summary>
    public string ModelType { get; init; } = string.Empty;

    /// <summary><c>pad_token_id</c> of <c>config.json</c>, if any.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>
    /// The most tokens one input may have, special tokens included: the tokenizer's <c>model_max_length</c> when it is a
    /// real bound, else <c>max_position_embeddings</c> (less the two positions RoBERTa-style models reserve), else 512.
    /// </summary>
    public int MaxLength { get; init; } = DefaultMaxLength;

    /// <summary>The number of labels (<c>num_labels</c>).</summary>
    public int LabelCount => Labels.Count;

    /// <summary>The label of an id: <see cref="Labels"/>, or <c>LABEL_i</c> past them (an output wider than the configuration).</summary>
    public string Label(int id) => id >= 0 && id < Labels.Count ? Labels[id] : "LABEL_" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads the configuration of a model folder; a missing <c>config.json</c> gives the defaults.</summary>
    /// <exception cref="EngineException">A file is not valid JSON or declares impossible labels (NotSupported, naming the file).</exception>
    public static EncoderModelConfig Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var configPath = Path.Combine(folder, "config.json");
        var tokenizerConfigPath = Path.Combine(folder, "tokenizer_config.json");
        var config = File.Exists(configPath) ? Parse(File.ReadAllText(configPath), configPath) : new EncoderModelConfig();
        int? modelMaxLength = null;
        if (File.Exists(tokenizerConfigPath))
        {
            modelMaxLength = ReadModelMaxLength(File.ReadAllText(tokenizerConfigPath), tokenizerConfigPath);
        }

        return modelMaxLength is { } max ? config with { MaxLength = max } : config;
    }

    /// <summary>Parses the text of a <c>config.json</c>; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="EngineException">Not a JSON object, or impossible labels (NotSupported).</exception>
    public static EncoderModelConfig Parse(string json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, Lenient);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw EngineException.NotSupported($"{path} is not a JSON object.");
            }

            var labels = ReadLabels(root, path);
            var labelIds = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.TryGetProperty("label2id", out var l2i) && l2i.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in l2i.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var id))
                    {
                        labelIds[p.Name] = id;
                    }
                }
            }

            if (labelIds.Count == 0)
            {
                for (var i = 0; i < labels.Count; i++)
                {
                    labelIds.TryAdd(labels[i], i);
                }
            }

            var modelType = String(root, "model_type") ?? string.Empty;
            var positions = Int(root, "max_position_embeddings");
            var reserved = modelType is "roberta" or "xlm-roberta" or "camembert" or "longformer" or "mpnet" ? 2 : 0;
            return new EncoderModelConfig
            {
                Labels = labels,
                LabelIds = labelIds,
                ProblemType = String(root, "problem_type"),
                FunctionToApply = String(root, "function_to_apply"),
                ReturnAllScores = root.TryGetProperty("return_all_scores", out var all) && all.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? all.GetBoolean() : null,
                ModelType = modelType,
                ActivationFunction = (root.TryGetProperty("sentence_transformers", out var st) && st.ValueKind == JsonValueKind.Object ? String(st, "activation_fn") : null)
                    ?? String(root, "sbert_ce_default_activation_function"),
                PadTokenId = Int(root, "pad_token_id"),
                MaxLength = positions is > 2 and < 1_000_000 ? positions.Value - reserved : DefaultMaxLength,
            };
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static List<string> ReadLabels(JsonElement root, string path)
    {
        if (root.TryGetProperty("id2label", out var id2label) && id2label.ValueKind == JsonValueKind.Object)
        {
            var byId = new SortedDictionary<int, string>();
            foreach (var p in id2label.EnumerateObject())
            {
                if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= MaxLabels)
                {
                    throw EngineException.NotSupported($"{path}: id2label has the key '{p.Name}'; keys must be label ids from 0 to {MaxLabels - 1}.");
                }

                byId[id] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }

            if (byId.Count > 0)
            {
                // Ids the configuration skips get Hugging Face's default name; the count is bounded by the keys' count.
                var count = byId.Keys.Max() + 1;
                if (count > byId.Count * 2L + 16)
                {
                    throw EngineException.NotSupported($"{path}: id2label names {byId.Count} labels but its ids reach {count - 1}.");
                }

                return Enumerable.Range(0, count)
                    .Select(i => byId.TryGetValue(i, out var name) ? name : "LABEL_" + i.ToString(CultureInfo.InvariantCulture))
                    .ToList();
            }
        }

        var n = Int(root, "num_labels") ?? 2;
        if (n is < 1 or > MaxLabels)
        {
            throw EngineException.NotSupported($"{path}: num_labels is {n}; it must be from 1 to {MaxLabels}.");
        }

        return Enumerable.Range(0, n).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    private static int? ReadModelMaxLength(string json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, Lenient);
            // Hugging Face writes a huge sentinel (1e30) when the tokenizer sets no bound: that is no bound.
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("model_max_length", out var m) && m.ValueKind == JsonValueKind.Number
                && m.TryGetDouble(out var d) && d is >= 2 and < 1_000_000
                ? (int)d
                : null;
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
