using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One labelled token or group of tokens: an item of the output of token-classification (NER). Without aggregation
/// each token is an item <c>{entity, score, index, word, start, end}</c>; with an <c>aggregation_strategy</c> such as
/// <c>simple</c>, whole entities are <c>{entity_group, score, word, start, end}</c>.
/// </summary>
public sealed class TokenEntity
{
    /// <summary>The token's label, for example <c>B-PER</c>, when the output is per token; otherwise <see langword="null"/>.</summary>
    [JsonPropertyName("entity")]
    public string? Entity { get; init; }

    /// <summary>The group's label without its <c>B-</c>/<c>I-</c> prefix, for example <c>PER</c>, when tokens were aggregated; otherwise <see langword="null"/>.</summary>
    [JsonPropertyName("entity_group")]
    public string? EntityGroup { get; init; }

    /// <summary>The probability of the label (for a group: the mean over its tokens).</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <summary>The token's position in the model's input, special tokens counted (the first word is 1 after <c>[CLS]</c>); <see langword="null"/> for groups.</summary>
    [JsonPropertyName("index")]
    public int? Index { get; init; }

    /// <summary>The token as the tokenizer writes it (<c>##ny</c>, <c>Ġworld</c>), or a group's text.</summary>
    [JsonPropertyName("word")]
    public required string Word { get; init; }

    /// <summary>Where the span starts in the input text, in characters (Unicode code points); <see langword="null"/> when the tokenizer gives no offsets.</summary>
    [JsonPropertyName("start")]
    public int? Start { get; init; }

    /// <summary>Where the span ends (exclusive) in the input text, in characters (Unicode code points); <see langword="null"/> when the tokenizer gives no offsets.</summary>
    [JsonPropertyName("end")]
    public int? End { get; init; }

    /// <summary>The label whichever form the output has: <see cref="Entity"/>, else <see cref="EntityGroup"/>.</summary>
    [JsonIgnore]
    public string Label => Entity ?? EntityGroup ?? string.Empty;

    /// <inheritdoc />
    public override string ToString() => $"{Label} '{Word}' [{Start}, {End}) {Score}";
}
