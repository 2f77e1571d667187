using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>The embedded models and the published reference values used across the suite.</summary>
internal static class Models
{
    public const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    public const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    /// <summary>The sentences of the sentence-transformers quick start.</summary>
    public static readonly string[] Sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];

    // The similarities the sentence-transformers documentation prints for all-MiniLM-L6-v2 on those sentences.
    public const double PublishedSimilarity01 = 0.6660;
    public const double PublishedSimilarity02 = 0.1046;
    public const double PublishedSimilarity12 = 0.1411;

    public static float[] Vector(JsonElement array) => Vectors.FromJson(array);

    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b) => Vectors.Cosine(a, b);
}
