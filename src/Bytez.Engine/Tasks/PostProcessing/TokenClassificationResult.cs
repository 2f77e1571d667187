using System.Text.Json.Serialization;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// One token's entity (aggregation "none"): Hugging Face's <c>{entity, score, index, word, start, end}</c>, in that
/// key order.
/// </summary>
/// <param name="Entity">The token's label (<c>id2label</c> of the most probable class).</param>
/// <param name="Score">That class's probability: a float32 value widened to double, as Python prints it.</param>
/// <param name="Index">The token's position in the encoding, special tokens counted (the first word token is 1).</param>
/// <param name="Word">The token's string as in the vocabulary ("##ny"); the original text for an unknown token.</param>
/// <param name="Start">Start in the input text, in code points.</param>
/// <param name="End">End in the input text, in code points (exclusive).</param>
public sealed record TokenEntity(
    [property: JsonPropertyName("entity")] string Entity,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("end")] int End);

/// <summary>
/// One grouped entity (aggregation simple/first/average/max): Hugging Face's
/// <c>{entity_group, score, word, start, end}</c>, in that key order.
/// </summary>
/// <param name="EntityGroup">The group's tag: its first member's label after the first "-" ("B-PER" → "PER").</param>
/// <param name="Score">The mean of the members' scores (float32, widened to double).</param>
/// <param name="Word">The members' words through the tokenizer's <c>convert_tokens_to_string</c>.</param>
/// <param name="Start">Start of the first member, in code points.</param>
/// <param name="End">End of the last member, in code points (exclusive).</param>
public sealed record GroupedEntity(
    [property: JsonPropertyName("entity_group")] string EntityGroup,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("end")] int End);

/// <summary>
/// The output of token-classification: <see cref="Tokens"/> for aggregation "none", <see cref="Groups"/> otherwise
/// (exactly one is set). Either is written as a JSON array.
/// </summary>
/// <param name="Tokens">Per-token entities (aggregation "none").</param>
/// <param name="Groups">Grouped entities (any other aggregation).</param>
public sealed record TokenClassificationResult(IReadOnlyList<TokenEntity>? Tokens, IReadOnlyList<GroupedEntity>? Groups);
