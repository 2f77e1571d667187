using System.Text.Json;

namespace Bytez.Testing;

/// <summary>Vector helpers for asserting on embeddings.</summary>
public static class Vectors
{
    /// <summary>A JSON array of numbers as floats.</summary>
    public static float[] FromJson(JsonElement array) => array.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    /// <summary>The cosine similarity of two vectors, computed in double precision.</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
