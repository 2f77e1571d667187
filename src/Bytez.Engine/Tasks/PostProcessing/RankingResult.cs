namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>A text-ranking answer with what routes of other APIs report besides it.</summary>
/// <param name="Ranked">The ranking the Bytez route answers: best first, cut to <c>top_k</c>.</param>
/// <param name="Logits">Each document's raw logit (before the model's activation), in input order.</param>
/// <param name="PromptTokens">The tokens fed to the model for all the (query, document) pairs, special tokens included, after truncation.</param>
public sealed record RankingResult(IReadOnlyList<RankedDocument> Ranked, IReadOnlyList<float> Logits, int PromptTokens);
