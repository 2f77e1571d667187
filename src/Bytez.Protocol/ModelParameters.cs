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

    /// <summary>
    /// Sample only among the k most likely tokens (generation); how many labels, answers, mask candidates or ranked
    /// documents to return (text-classification, question-answering, fill-mask, text-ranking).
    /// </summary>
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

    /// <summary>Beams of beam search (summarization, translation, text2text-generation, text-generation); 1 is greedy.</summary>
    [JsonPropertyName("num_beams")] public int? NumBeams { get; set; }

    /// <summary>How many generated sequences to return (at most <see cref="NumBeams"/> with beam search).</summary>
    [JsonPropertyName("num_return_sequences")] public int? NumReturnSequences { get; set; }

    /// <summary>The source language code of a multilingual translation model, for example <c>eng_Latn</c> (NLLB) or <c>en</c> (M2M100).</summary>
    [JsonPropertyName("src_lang")] public string? SourceLanguage { get; set; }

    /// <summary>The target language code of a multilingual translation model, for example <c>fra_Latn</c> (NLLB) or <c>fr</c> (M2M100).</summary>
    [JsonPropertyName("tgt_lang")] public string? TargetLanguage { get; set; }

    /// <summary><c>softmax</c>, <c>sigmoid</c> or <c>none</c>: how text-classification turns logits into scores (default: chosen from the model's configuration).</summary>
    [JsonPropertyName("function_to_apply")] public string? FunctionToApply { get; set; }

    /// <summary><c>none</c> (the default: one item per token), <c>simple</c>, <c>first</c>, <c>average</c> or <c>max</c>: how token-classification groups tokens into entities.</summary>
    [JsonPropertyName("aggregation_strategy")] public string? AggregationStrategy { get; set; }

    /// <summary>Labels token-classification leaves out of its output (default <c>["O"]</c>).</summary>
    [JsonPropertyName("ignore_labels")] public IList<string>? IgnoreLabels { get; set; }

    /// <summary>Whether question-answering may answer that the context holds no answer (the empty answer).</summary>
    [JsonPropertyName("handle_impossible_answer")] public bool? HandleImpossibleAnswer { get; set; }

    /// <summary>The longest answer question-answering considers, in tokens (default 15).</summary>
    [JsonPropertyName("max_answer_len")] public int? MaxAnswerLength { get; set; }

    /// <summary>The tokens fill-mask may put at the mask; the others are not considered.</summary>
    [JsonPropertyName("targets")] public IList<string>? Targets { get; set; }

    /// <summary>Whether zero-shot-classification scores each label on its own instead of sharing one probability among them.</summary>
    [JsonPropertyName("multi_label")] public bool? MultiLabel { get; set; }

    /// <summary>The hypothesis zero-shot-classification makes of each label, with <c>{}</c> for the label (default <c>"This example is {}."</c>).</summary>
    [JsonPropertyName("hypothesis_template")] public string? HypothesisTemplate { get; set; }

    /// <summary>Whether text-ranking returns each document's text beside its index.</summary>
    [JsonPropertyName("return_documents")] public bool? ReturnDocuments { get; set; }

    /// <summary>Any other parameter, passed through as is.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement> AdditionalProperties { get; set; } = new Dictionary<string, JsonElement>();
}
