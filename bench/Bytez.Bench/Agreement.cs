namespace Bytez.Bench;

/// <summary>How close two sets of embeddings are: cosine per sentence against a reference.</summary>
internal sealed record Agreement(double MinCosine, double MeanCosine, int Below099, IReadOnlyList<string> Worst)
{
    public static Agreement Compare(float[][] reference, float[][] other, IReadOnlyList<string> texts)
    {
        var cosines = new double[reference.Length];
        for (var i = 0; i < reference.Length; i++)
        {
            cosines[i] = Cosine(reference[i], other[i]);
        }

        var worst = Enumerable.Range(0, cosines.Length).Where(i => cosines[i] < 0.99).OrderBy(i => cosines[i]).Take(5)
            .Select(i => $"{cosines[i]:F3}: {Shorten(texts[i])}").ToList();
        return new Agreement(cosines.Min(), cosines.Average(), cosines.Count(c => c < 0.99), worst);
    }

    public string Describe() =>
        $"min cosine {MinCosine:F5}, mean {MeanCosine:F5}, {Below099} below 0.99" +
        (Worst.Count > 0 ? $" (worst: {string.Join("; ", Worst)})" : string.Empty);

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Max(Math.Sqrt(aa) * Math.Sqrt(bb), 1e-12);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
