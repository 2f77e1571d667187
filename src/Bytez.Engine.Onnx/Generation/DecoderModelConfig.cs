using System.Text.Json;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// The shape facts of a decoder-only model read from its Hugging Face <c>config.json</c>, under the field names of
/// the GPT-2 (<c>n_layer</c>, <c>n_head</c>, <c>n_embd</c>, <c>n_positions</c>), Llama / Qwen2 / Phi-3 / Mistral
/// (<c>num_hidden_layers</c>, <c>num_attention_heads</c>, <c>num_key_value_heads</c>, <c>hidden_size</c>,
/// <c>max_position_embeddings</c>) and Gemma (<c>head_dim</c>) families. A multimodal config's <c>text_config</c> is
/// read when the root has no layer count.
/// </summary>
public sealed record DecoderModelConfig
{
    /// <summary><c>model_type</c>, or an empty string.</summary>
    public string ModelType { get; init; } = string.Empty;

    /// <summary><c>architectures</c> (for example <c>LlamaForCausalLM</c>).</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>Transformer layers (<c>n_layer</c> / <c>num_hidden_layers</c>), or 0 when unstated.</summary>
    public int LayerCount { get; init; }

    /// <summary>Query heads (<c>n_head</c> / <c>num_attention_heads</c>), or 0 when unstated.</summary>
    public int AttentionHeads { get; init; }

    /// <summary>Key/value heads (<c>num_key_value_heads</c>; 1 for <c>multi_query</c>; else the query heads).</summary>
    public int KeyValueHeads { get; init; }

    /// <summary>Model width (<c>n_embd</c> / <c>hidden_size</c> / <c>d_model</c>), or 0 when unstated.</summary>
    public int HiddenSize { get; init; }

    /// <summary>Width of one head: <c>head_dim</c> when stated (Gemma), else hidden size / heads; 0 when unknown.</summary>
    public int HeadDim { get; init; }

    /// <summary><c>vocab_size</c>, or 0 when unstated.</summary>
    public int VocabularySize { get; init; }

    /// <summary>
    /// The most positions (<c>n_positions</c> / <c>max_position_embeddings</c> / <c>n_ctx</c> / <c>seq_length</c>),
    /// or <see langword="null"/> when unstated.
    /// </summary>
    public int? ContextLength { get; init; }

    /// <summary><c>bos_token_id</c> of the model config.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> of the model config (one or several).</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary><c>pad_token_id</c> of the model config.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Whether <c>is_encoder_decoder</c> is set (such models are not decoder-only).</summary>
    public bool IsEncoderDecoder { get; init; }

    /// <summary>Whether <c>architectures</c> names a causal language model (<c>...ForCausalLM</c>, <c>...LMHeadModel</c>).</summary>
    public bool IsCausalLanguageModel => Architectures.Any(a =>
        a.EndsWith("ForCausalLM", StringComparison.Ordinal) || a.EndsWith("LMHeadModel", StringComparison.Ordinal));

    /// <summary>Reads <c>config.json</c> of a model folder.</summary>
    /// <exception cref="EngineException">The file is missing or not valid JSON (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static DecoderModelConfig Read(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path))
        {
            throw EngineException.NotSupported($"The model folder {folder} has no config.json.");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a <c>config.json</c>.</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static DecoderModelConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("config.json is not a JSON object.");
        }

        var text = root;
        if (Int(root, "num_hidden_layers", "n_layer", "num_layers") is null
            && root.TryGetProperty("text_config", out var tc) && tc.ValueKind == JsonValueKind.Object)
        {
            text = tc;
        }

        var modelType = Str(root, "model_type") ?? string.Empty;
        var architectures = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
            : [];
        var layers = Int(text, "num_hidden_layers", "n_layer", "num_layers") ?? 0;
        var heads = Int(text, "num_attention_heads", "n_head", "num_heads", "n_heads") ?? 0;
        var multiQuery = text.TryGetProperty("multi_query", out var mq) && mq.ValueKind == JsonValueKind.True;
        var kvHeads = Int(text, "num_key_value_heads", "num_kv_heads") ?? (multiQuery ? 1 : heads);
        var hidden = Int(text, "hidden_size", "n_embd", "d_model") ?? 0;
        var headDim = Int(text, "head_dim") ?? (heads > 0 && hidden > 0 && hidden % heads == 0 ? hidden / heads : 0);
        var vocab = Int(text, "vocab_size") ?? Int(root, "vocab_size") ?? 0;
        var context = Int(text, "max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_sequence_length");
        return new DecoderModelConfig
        {
            ModelType = modelType,
            Architectures = architectures,
            LayerCount = layers,
            AttentionHeads = heads,
            KeyValueHeads = kvHeads,
            HiddenSize = hidden,
            HeadDim = headDim,
            VocabularySize = vocab,
            ContextLength = context is > 0 ? context : null,
            BosTokenId = TokenIds(root, "bos_token_id")?.FirstOrDefault(),
            EosTokenIds = TokenIds(root, "eos_token_id"),
            PadTokenId = TokenIds(root, "pad_token_id")?.FirstOrDefault(),
            IsEncoderDecoder = root.TryGetProperty("is_encoder_decoder", out var ed) && ed.ValueKind == JsonValueKind.True,
        };
    }

    /// <summary>An integer field, or <see langword="null"/> when absent, null or not an integer.</summary>
    internal static int? Int(JsonElement obj, params string[] names)
    {
        foreach (var name in names)
        {
            if (obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>A string field, or <see langword="null"/>.</summary>
    internal static string? Str(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A token id field that may be one integer or a list of them; <see langword="null"/> when absent or empty.</summary>
    internal static IReadOnlyList<int>? TokenIds(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var one))
        {
            return [one];
        }

        if (v.ValueKind == JsonValueKind.Array)
        {
            var ids = new List<int>();
            foreach (var e in v.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id) && !ids.Contains(id))
                {
                    ids.Add(id);
                }
            }

            return ids.Count > 0 ? ids : null;
        }

        return null;
    }
}
