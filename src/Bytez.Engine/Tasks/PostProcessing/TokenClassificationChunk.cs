namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// One window of a token-classification input (one unless <c>stride</c> splits a long text): its tokens and the
/// model's logits for them, row-major <c>[Tokens.Count, labels]</c>.
/// </summary>
/// <param name="Tokens">The window's tokens, special tokens included, with offsets into the whole text.</param>
/// <param name="Logits">The logits, one row of <c>labels</c> values per token (padding rows excluded).</param>
public sealed record TokenClassificationChunk(IReadOnlyList<EncodedToken> Tokens, ReadOnlyMemory<float> Logits);
