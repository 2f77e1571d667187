using Bytez;

namespace Bytez.Samples;

/// <summary>Semantic search over a folder of text files: embed every file once, then rank them for each query.</summary>
public static class SemanticSearch
{
    /// <summary>The embedding model the sample uses unless told otherwise (it ships with the Bytez for .NET server).</summary>
    public const string DefaultModel = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>How many results are printed per query.</summary>
    public const int Results = 3;

    /// <summary>
    /// Embeds the <c>*.txt</c> files of <paramref name="folder"/>, then reads one query per line from
    /// <paramref name="queries"/> (until an empty line or the end) and prints the files closest in meaning to it.
    /// </summary>
    public static async Task RunAsync(
        BytezClient client, string folder, TextReader queries, TextWriter output, string modelId = DefaultModel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(output);
        var model = client.Model(modelId);

        // Index: one embedding per file, 16 files per request. (Texts longer than the model's limit are cut.)
        var files = Directory.GetFiles(folder, "*.txt").Order(StringComparer.Ordinal).ToArray();
        var index = new List<(string File, float[] Vector)>();
        foreach (var chunk in files.Chunk(16))
        {
            var texts = await Task.WhenAll(chunk.Select(f => File.ReadAllTextAsync(f, cancellationToken)));
            var vectors = (await model.RunAsync(texts, cancellationToken: cancellationToken)).GetEmbeddings();   // throws BytezException on error
            index.AddRange(chunk.Select((file, i) => (Path.GetFileName(file), vectors[i])));
        }

        await output.WriteLineAsync($"Indexed {index.Count} files with {modelId}. Type a query (an empty line ends).");

        while (await queries.ReadLineAsync(cancellationToken) is { Length: > 0 } query)
        {
            var vector = (await model.RunAsync(query, cancellationToken: cancellationToken)).GetEmbedding();
            var ranked = index.Select(entry => (entry.File, Score: Cosine(vector, entry.Vector)))
                .OrderByDescending(entry => entry.Score)
                .Take(Results);
            await output.WriteLineAsync($"> {query}");
            var rank = 0;
            foreach (var (file, score) in ranked)
            {
                await output.WriteLineAsync($"  {++rank}. {file} ({score:F3})");
            }
        }
    }

    /// <summary>The cosine similarity of two vectors: 1 for the same direction, 0 for unrelated.</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return dot / Math.Sqrt(normA * normB);
    }
}
