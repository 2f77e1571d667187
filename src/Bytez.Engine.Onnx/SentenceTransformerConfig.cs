using System.Text.Json;

namespace Bytez.Engine.Onnx;

/// <summary>Which poolings a sentence-transformers <c>Pooling</c> module applies (concatenated in this order: CLS, max, mean, mean/√n, last token).</summary>
public sealed record PoolingConfig
{
    /// <summary>The first token's embedding.</summary>
    public bool Cls { get; init; }

    /// <summary>The element-wise maximum over the tokens.</summary>
    public bool Max { get; init; }

    /// <summary>The mean over the tokens.</summary>
    public bool Mean { get; init; }

    /// <summary>The sum over the tokens divided by the square root of their count.</summary>
    public bool MeanSqrtLength { get; init; }

    /// <summary>The last real token's embedding.</summary>
    public bool LastToken { get; init; }

    /// <summary>Whether the tokens of a prompt take part in mean/max/last-token pooling.</summary>
    public bool IncludePrompt { get; init; } = true;

    /// <summary>How many poolings are concatenated.</summary>
    public int ModeCount => (Cls ? 1 : 0) + (Max ? 1 : 0) + (Mean ? 1 : 0) + (MeanSqrtLength ? 1 : 0) + (LastToken ? 1 : 0);
}

/// <summary>
/// What a sentence-transformers model folder prescribes: <c>modules.json</c> (Transformer, Pooling, Normalize),
/// <c>sentence_bert_config.json</c>, <c>1_Pooling/config.json</c> and <c>config_sentence_transformers.json</c>.
/// A folder without <c>modules.json</c> gets what sentence-transformers gives a plain model: mean pooling, no normalization.
/// </summary>
public sealed record SentenceTransformerConfig
{
    /// <summary>The ONNX file of the transformer.</summary>
    public required string OnnxPath { get; init; }

    /// <summary>The folder holding the tokenizer files.</summary>
    public required string TokenizerFolder { get; init; }

    /// <summary>The most tokens per text, special tokens included.</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>The pooling.</summary>
    public required PoolingConfig Pooling { get; init; }

    /// <summary>Whether a Normalize module follows the pooling.</summary>
    public bool Normalize { get; init; }

    /// <summary>The named prompts.</summary>
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();

    /// <summary>The prompt applied when a call names none.</summary>
    public string? DefaultPromptName { get; init; }

    /// <summary>The token embedding width the pooling config states, if any.</summary>
    public int? WordEmbeddingDimension { get; init; }

    /// <summary><c>vocab_size</c> of the transformer's <c>config.json</c>, if stated: token ids must be below it.</summary>
    public int? VocabularySize { get; init; }

    /// <summary>
    /// The Matryoshka widths the model declares (see <see cref="IEmbeddingInstance.MatryoshkaDimensions"/>):
    /// <c>config.json</c>'s <c>matryoshka_dimensions</c> (those widths) or <c>is_matryoshka</c> true (any width), as vLLM
    /// reads them; else a model card (<c>README.md</c>) whose front-matter <c>tags</c> name a Matryoshka training loss
    /// (<c>loss:MatryoshkaLoss</c>, <c>loss:Matryoshka2dLoss</c>, as sentence-transformers writes its cards) or
    /// <c>matryoshka</c> (any width). <see langword="null"/> when none of these says so.
    /// </summary>
    public IReadOnlyList<int>? MatryoshkaDimensions { get; init; }

    /// <summary>
    /// Finds the ONNX file of a model folder as <see cref="Layouts.OnnxLayout"/> orders them: <c>onnx/model.onnx</c>,
    /// <c>model.onnx</c>, then the precision variants (<c>onnx/model_fp16.onnx</c>, <c>onnx/model_quantized.onnx</c>, ...);
    /// <see langword="null"/> when none.
    /// </summary>
    public static string? FindOnnxFile(string folder) => Layouts.OnnxLayout.FindWeightsIn(folder, Layouts.OnnxFamily.Encoder, null)?[0];

    private static bool IsInside(string folder, string path)
    {
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>Reads the configuration of a model folder.</summary>
    /// <exception cref="EngineException">The folder has no ONNX file or uses modules this runtime lacks (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static SentenceTransformerConfig Load(string folder)
    {
        try
        {
            return LoadUnchecked(folder);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            // The files come from whoever published the model: a wrong shape is a model this server cannot run.
            throw new EngineException(EngineErrorKind.NotSupported, $"The sentence-transformers configuration of {folder} is malformed: {e.Message}", e);
        }
    }

    private static SentenceTransformerConfig LoadUnchecked(string folder)
    {
        var transformerFolder = folder;
        string? poolingFolder = null;
        var normalize = false;
        var hasModules = false;
        var modulesPath = Path.Combine(folder, "modules.json");
        if (File.Exists(modulesPath))
        {
            hasModules = true;
            using var modules = JsonDocument.Parse(File.ReadAllBytes(modulesPath));
            foreach (var module in modules.RootElement.EnumerateArray())
            {
                var type = module.TryGetProperty("type", out var t) ? t.GetString() ?? string.Empty : string.Empty;
                var path = module.TryGetProperty("path", out var p) ? p.GetString() ?? string.Empty : string.Empty;
                var shortType = type[(type.LastIndexOf('.') + 1)..];
                if (!IsInside(folder, Path.Combine(folder, path)))
                {
                    throw EngineException.NotSupported($"modules.json of {folder} names the module path '{path}', which leaves the model folder.");
                }

                switch (shortType)
                {
                    case "Transformer":
                        transformerFolder = Path.Combine(folder, path);
                        break;
                    case "Pooling":
                        poolingFolder = Path.Combine(folder, path);
                        break;
                    case "Normalize":
                        normalize = true;
                        break;
                    default:
                        throw EngineException.NotSupported(
                            $"The model uses the sentence-transformers module '{type}', which the ONNX runtime does not run (supported: Transformer, Pooling, Normalize).");
                }
            }
        }

        var onnx = FindOnnxFile(transformerFolder) ?? FindOnnxFile(folder)
            ?? throw EngineException.NotSupported($"The model folder {folder} has no onnx/model.onnx or model.onnx.");
        var tokenizerFolder = File.Exists(Path.Combine(transformerFolder, "vocab.txt")) || File.Exists(Path.Combine(transformerFolder, "tokenizer.json"))
            ? transformerFolder : folder;

        var pooling = new PoolingConfig { Mean = true };
        int? wordDim = null;
        var poolingConfig = poolingFolder is null ? null : Path.Combine(poolingFolder, "config.json");
        if (poolingConfig is not null && File.Exists(poolingConfig))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(poolingConfig));
            var root = doc.RootElement;
            if (Bool(root, "pooling_mode_weightedmean_tokens") == true)
            {
                throw EngineException.NotSupported("Weighted-mean pooling is not supported (supported: cls, max, mean, mean_sqrt_len, lasttoken).");
            }

            pooling = new PoolingConfig
            {
                Cls = Bool(root, "pooling_mode_cls_token") ?? false,
                Max = Bool(root, "pooling_mode_max_tokens") ?? false,
                Mean = Bool(root, "pooling_mode_mean_tokens") ?? false,
                MeanSqrtLength = Bool(root, "pooling_mode_mean_sqrt_len_tokens") ?? false,
                LastToken = Bool(root, "pooling_mode_lasttoken") ?? false,
                IncludePrompt = Bool(root, "include_prompt") ?? true,
            };
            if (pooling.ModeCount == 0)
            {
                throw EngineException.NotSupported($"The pooling config {poolingConfig} enables no pooling mode.");
            }

            wordDim = root.TryGetProperty("word_embedding_dimension", out var d) && d.TryGetInt32(out var dim) ? dim : null;
        }
        else if (hasModules && poolingFolder is null)
        {
            throw EngineException.NotSupported($"The model's modules.json has no Pooling module; the ONNX runtime needs one to make sentence embeddings.");
        }

        var maxLength = ReadMaxLength(transformerFolder, folder);

        var prompts = new Dictionary<string, string>(StringComparer.Ordinal);
        string? defaultPrompt = null;
        var stConfig = Path.Combine(folder, "config_sentence_transformers.json");
        if (File.Exists(stConfig))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(stConfig));
            if (doc.RootElement.TryGetProperty("prompts", out var ps) && ps.ValueKind == JsonValueKind.Object)
            {
                foreach (var prompt in ps.EnumerateObject())
                {
                    if (prompt.Value.ValueKind == JsonValueKind.String)
                    {
                        prompts[prompt.Name] = prompt.Value.GetString()!;
                    }
                }
            }

            if (doc.RootElement.TryGetProperty("default_prompt_name", out var dp) && dp.ValueKind == JsonValueKind.String)
            {
                defaultPrompt = dp.GetString();
            }
        }

        return new SentenceTransformerConfig
        {
            OnnxPath = onnx,
            TokenizerFolder = tokenizerFolder,
            MaxSequenceLength = maxLength,
            Pooling = pooling,
            Normalize = normalize,
            Prompts = prompts,
            DefaultPromptName = defaultPrompt is not null && prompts.ContainsKey(defaultPrompt) ? defaultPrompt : null,
            WordEmbeddingDimension = wordDim,
            VocabularySize = ReadVocabularySize(transformerFolder),
            MatryoshkaDimensions = ReadMatryoshka(transformerFolder) ?? ReadMatryoshka(folder) ?? ReadCardMatryoshka(folder),
        };
    }

    private static int? ReadVocabularySize(string transformerFolder)
    {
        var config = Path.Combine(transformerFolder, "config.json");
        if (!File.Exists(config))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("vocab_size", out var v)
            && v.TryGetInt32(out var size) && size > 0 ? size : null;
    }

    /// <summary><c>matryoshka_dimensions</c> or <c>is_matryoshka</c> of a <c>config.json</c>, as vLLM reads them.</summary>
    private static IReadOnlyList<int>? ReadMatryoshka(string folder)
    {
        var config = Path.Combine(folder, "config.json");
        if (!File.Exists(config))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("matryoshka_dimensions", out var dims) && dims.ValueKind == JsonValueKind.Array)
        {
            var widths = new List<int>();
            foreach (var d in dims.EnumerateArray())
            {
                if (!d.TryGetInt32(out var width) || width < 1)
                {
                    throw EngineException.NotSupported($"config.json of {folder}: matryoshka_dimensions must be positive integers.");
                }

                widths.Add(width);
            }

            return widths.Count > 0 ? widths.Distinct().Order().ToArray() : null;
        }

        return Bool(root, "is_matryoshka") == true ? [] : null;
    }

    /// <summary>Any width when the model card's front-matter tags name Matryoshka training; else <see langword="null"/>.</summary>
    private static IReadOnlyList<int>? ReadCardMatryoshka(string folder)
    {
        var card = Path.Combine(folder, "README.md");
        if (!File.Exists(card) || new FileInfo(card).Length > 4 * 1024 * 1024)
        {
            return null;
        }

        using var reader = new StreamReader(card);
        if (reader.ReadLine()?.Trim() != "---")
        {
            return null;
        }

        var inTags = false;
        for (var (line, count) = (reader.ReadLine(), 0); line is not null && line.Trim() != "---" && count < 10_000; line = reader.ReadLine(), count++)
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && line[0] != '-')
            {
                inTags = line.StartsWith("tags:", StringComparison.Ordinal);
                continue;
            }

            var item = line.Trim();
            if (inTags && item.StartsWith('-'))
            {
                var tag = item[1..].Trim().Trim('"', '\'');
                if (tag.Equals("matryoshka", StringComparison.OrdinalIgnoreCase)
                    || tag.StartsWith("loss:Matryoshka", StringComparison.OrdinalIgnoreCase))
                {
                    return [];
                }
            }
        }

        return null;
    }

    private static int ReadMaxLength(string transformerFolder, string folder)
    {
        foreach (var dir in new[] { transformerFolder, folder })
        {
            var sbert = Path.Combine(dir, "sentence_bert_config.json");
            if (File.Exists(sbert))
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(sbert));
                if (doc.RootElement.TryGetProperty("max_seq_length", out var m) && m.TryGetInt32(out var max) && max >= 2)
                {
                    return max;
                }
            }
        }

        // As sentence-transformers does without a configured length: min(max_position_embeddings, model_max_length).
        var length = int.MaxValue;
        var config = Path.Combine(transformerFolder, "config.json");
        if (File.Exists(config))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
            if (doc.RootElement.TryGetProperty("max_position_embeddings", out var m) && m.TryGetInt32(out var max) && max >= 2)
            {
                length = max;
            }
        }

        var tokenizerConfig = Path.Combine(transformerFolder, "tokenizer_config.json");
        if (File.Exists(tokenizerConfig))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerConfig));
            if (doc.RootElement.TryGetProperty("model_max_length", out var m) && m.TryGetInt64(out var max) && max is >= 2 and < 1_000_000)
            {
                length = Math.Min(length, (int)max);
            }
        }

        return length == int.MaxValue ? 512 : length;
    }

    private static bool? Bool(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
