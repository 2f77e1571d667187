using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;

namespace Bytez.Engine.Onnx.Seq2Seq;

/// <summary>
/// The facts of an encoder-decoder model's <c>config.json</c> under the field names of BART / Marian / mBART
/// (<c>decoder_layers</c>, <c>decoder_attention_heads</c>, <c>d_model</c>, <c>max_position_embeddings</c>) and T5
/// (<c>num_decoder_layers</c> / <c>num_layers</c>, <c>num_heads</c>, <c>d_kv</c>, <c>n_positions</c>), with the generation
/// facts of <c>generation_config.json</c>; Whisper's <c>max_target_positions</c> / <c>max_source_positions</c>, and a
/// VisionEncoderDecoder's <c>decoder</c> sub-configuration (GPT-2's <c>n_layer</c>, <c>n_head</c>, <c>n_embd</c>, <c>n_positions</c>).
/// </summary>
public sealed record Seq2SeqModelConfig
{
    /// <summary>Positions assumed when the configuration states none.</summary>
    public const int DefaultMaxPositions = 1024;

    /// <summary><c>model_type</c>, or an empty string.</summary>
    public string ModelType { get; init; } = string.Empty;

    /// <summary>Whether <c>is_encoder_decoder</c> is set.</summary>
    public bool IsEncoderDecoder { get; init; }

    /// <summary>Decoder layers.</summary>
    public int DecoderLayers { get; init; }

    /// <summary>Decoder attention heads.</summary>
    public int DecoderHeads { get; init; }

    /// <summary>Width of one head: T5's <c>d_kv</c>, else <c>d_model</c> / heads.</summary>
    public int HeadDim { get; init; }

    /// <summary><c>d_model</c>.</summary>
    public int HiddenSize { get; init; }

    /// <summary><c>vocab_size</c>, or 0.</summary>
    public int VocabularySize { get; init; }

    /// <summary>The most positions of the encoder and of the decoder.</summary>
    public int MaxPositions { get; init; } = DefaultMaxPositions;

    /// <summary>The generation facts for the engine.</summary>
    public required Seq2SeqModelInfo Info { get; init; }

    /// <summary>Reads <c>config.json</c> and <c>generation_config.json</c> of a model folder.</summary>
    /// <exception cref="EngineException">config.json is missing or a file is not valid JSON (kind not supported).</exception>
    public static Seq2SeqModelConfig Read(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path))
        {
            throw EngineException.NotSupported($"The model folder {folder} has no config.json.");
        }

        using var config = ParseFile(path);
        var generationPath = Path.Combine(folder, "generation_config.json");
        using var generation = File.Exists(generationPath) ? ParseFile(generationPath) : null;
        var parsed = Parse(config.RootElement, generation?.RootElement);
        var tokenizerConfigPath = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(tokenizerConfigPath))
        {
            return parsed;
        }

        using var tokenizerConfig = ParseFile(tokenizerConfigPath);
        return tokenizerConfig.RootElement.ValueKind == JsonValueKind.Object
            ? parsed with { Info = parsed.Info with { TokenizerClass = DecoderModelConfig.Str(tokenizerConfig.RootElement, "tokenizer_class") } }
            : parsed;
    }

    /// <summary>Builds the configuration from the parsed files (<paramref name="generationConfig"/> may be absent).</summary>
    /// <exception cref="EngineException">A file is not a JSON object (kind not supported).</exception>
    public static Seq2SeqModelConfig Parse(JsonElement config, JsonElement? generationConfig)
    {
        if (config.ValueKind != JsonValueKind.Object || generationConfig is { ValueKind: not JsonValueKind.Object })
        {
            throw EngineException.NotSupported("config.json and generation_config.json must be JSON objects.");
        }

        // A VisionEncoderDecoder (ViT-GPT2, TrOCR) keeps its decoder's shape in the "decoder" sub-configuration
        // (GPT-2's n_layer / n_head / n_embd / n_positions, or TrOCR's BART-style names); the start and end ids stay at the top.
        var shape = config.TryGetProperty("decoder", out var sub) && sub.ValueKind == JsonValueKind.Object ? sub : config;
        var layers = DecoderModelConfig.Int(shape, "decoder_layers", "num_decoder_layers", "num_layers", "n_layer", "num_hidden_layers") ?? 0;
        var heads = DecoderModelConfig.Int(shape, "decoder_attention_heads", "num_heads", "num_attention_heads", "n_head") ?? 0;
        var hidden = DecoderModelConfig.Int(shape, "d_model", "hidden_size", "n_embd") ?? 0;
        var headDim = DecoderModelConfig.Int(shape, "d_kv") ?? (heads > 0 && hidden % heads == 0 ? hidden / heads : 0);
        var positions = DecoderModelConfig.Int(shape, "max_position_embeddings", "n_positions") is { } p && p > 0 ? p : DefaultMaxPositions;
        var vocabulary = DecoderModelConfig.Int(config, "vocab_size") ?? DecoderModelConfig.Int(shape, "vocab_size") ?? 0;

        // Whisper states its decoder's positions (448) and its encoder's frames (1500) apart.
        var targetPositions = DecoderModelConfig.Int(config, "max_target_positions") is { } t && t > 0 ? t : positions;
        var sourcePositions = DecoderModelConfig.Int(config, "max_source_positions") is { } sp && sp > 0 ? sp : positions;
        var taskParams = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (config.TryGetProperty("task_specific_params", out var tsp) && tsp.ValueKind == JsonValueKind.Object)
        {
            foreach (var task in tsp.EnumerateObject())
            {
                taskParams[task.Name] = task.Value.Clone();
            }
        }

        return new Seq2SeqModelConfig
        {
            ModelType = DecoderModelConfig.Str(config, "model_type") ?? string.Empty,
            IsEncoderDecoder = config.TryGetProperty("is_encoder_decoder", out var ed) && ed.ValueKind == JsonValueKind.True,
            DecoderLayers = layers,
            DecoderHeads = heads,
            HeadDim = headDim,
            HiddenSize = hidden,
            VocabularySize = vocabulary,
            MaxPositions = positions,
            Info = new Seq2SeqModelInfo
            {
                VocabularySize = vocabulary,
                MaxSourceLength = sourcePositions,
                MaxTargetLength = targetPositions,
                GenerationConfig = (generationConfig ?? config).Clone(),
                TaskSpecificParams = taskParams,
                Prefix = DecoderModelConfig.Str(config, "prefix"),
                DecoderStartTokenId = DecoderModelConfig.TokenIds(config, "decoder_start_token_id")?.FirstOrDefault(),
                BosTokenId = DecoderModelConfig.TokenIds(config, "bos_token_id")?.FirstOrDefault(),
                EosTokenIds = DecoderModelConfig.TokenIds(config, "eos_token_id"),
            },
        };
    }

    private static JsonDocument ParseFile(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
