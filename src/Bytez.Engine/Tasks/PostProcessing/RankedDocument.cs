using System.Text.Json.Serialization;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>One ranked document: sentence-transformers' <c>{corpus_id, score, text?}</c>, in that key order.</summary>
/// <param name="CorpusId">The document's position in the request's list.</param>
/// <param name="Score">The activated logit (float32 widened to double).</param>
/// <param name="Text">The document, only with <c>return_documents</c>.</param>
public sealed record RankedDocument(
    [property: JsonPropertyName("corpus_id")] int CorpusId,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text);
