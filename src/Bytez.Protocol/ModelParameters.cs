using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// Model parameters sent in <c>params</c>: the common Hugging Face keyword arguments as typed properties, and any
/// other key through <see cref="AdditionalProperties"/>. Unset properties are not sent.
/// </summary>
public sealed class ModelParameters
{
    /// <summary>The most tokens to generate, prompt excluded.</summary>
    [JsonPropertyName("max_new_tokens")] public int? MaxNewTokens { get; set; }

    /// <summary>The most tokens in all, prompt included.</summary>
    [JsonPropertyName("max_length")] public int? MaxLength { get; set; }

    /// <summary>The fewest tokens to generate, prompt excluded.</summary>
    [JsonPropertyName("min_new_tokens")] public int? MinNewTokens { get; set; }

    /// <summary>The fewest tokens in all, prompt included.</summary>
    [JsonPropertyName("min_length")] public int? MinLength { get; set; }

    /// <summary>Sample instead of greedy decoding.</summary>
    [JsonPropertyName("do_sample")] public bool? DoSample { get; set; }

    /// <summary>Sampling temperature; higher is more random.</summary>
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }

    /// <summary>Sample only among the k most likely tokens.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; set; }

    /// <summary>Sample only among the most likely tokens whose probabilities add up to p.</summary>
    [JsonPropertyName("top_p")] public double? TopP { get; set; }

    /// <summary>Penalty for repeating tokens already present; 1 means none.</summary>
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; set; }

    /// <summary>Seed of the sampler, for reproducible samples.</summary>
    [JsonPropertyName("seed")] public long? Seed { get; set; }

    /// <summary>Sequences that end generation when produced.</summary>
    [JsonPropertyName("stop")] public IList<string>? Stop { get; set; }

    /// <summary>Whether text-generation output includes the prompt.</summary>
    [JsonPropertyName("return_full_text")] public bool? ReturnFullText { get; set; }

    /// <summary>Whether embeddings are scaled to unit length (feature-extraction).</summary>
    [JsonPropertyName("normalize")] public bool? Normalize { get; set; }

    /// <summary>Names one of the model's configured prompts to prepend, for example <c>query</c> (feature-extraction).</summary>
    [JsonPropertyName("prompt_name")] public string? PromptName { get; set; }

    /// <summary>Any other parameter, passed through as is.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement> AdditionalProperties { get; set; } = new Dictionary<string, JsonElement>();
}
