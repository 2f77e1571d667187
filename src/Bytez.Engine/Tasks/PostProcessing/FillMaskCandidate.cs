using System.Text.Json.Serialization;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>One prediction for a mask: Hugging Face's <c>{score, token, token_str, sequence}</c>, in that key order.</summary>
/// <param name="Score">The token's probability over the whole vocabulary (float32 widened to double; not renormalised over targets).</param>
/// <param name="Token">The token id.</param>
/// <param name="TokenStr">The token decoded alone, special tokens kept (" capital" for byte-level BPE, "##s" for WordPiece).</param>
/// <param name="Sequence">The input with the mask replaced, decoded (special tokens skipped only when there is one mask).</param>
public sealed record FillMaskCandidate(
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("token")] int Token,
    [property: JsonPropertyName("token_str")] string TokenStr,
    [property: JsonPropertyName("sequence")] string Sequence);
