namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>The validated <c>params</c> of text-ranking (sentence-transformers 5.1 <c>CrossEncoder.rank</c>).</summary>
/// <param name="TopK">How many documents to return; <see langword="null"/> = all (the default).</param>
/// <param name="ReturnDocuments">Whether each result carries its document's text (default false).</param>
public sealed record TextRankingParameters(int? TopK, bool ReturnDocuments)
{
    /// <summary>The <c>params</c> this task accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["top_k", "return_documents"];

    /// <summary>Validates <c>top_k</c> (≥ 1 when given) and <c>return_documents</c>.</summary>
    public static TextRankingParameters Create(int? topK = null, bool? returnDocuments = null)
    {
        if (topK is < 1)
        {
            throw EngineException.BadInput($"Parameter `top_k` must be an integer ≥ 1; got {topK}.");
        }

        return new TextRankingParameters(topK, returnDocuments ?? false);
    }
}
