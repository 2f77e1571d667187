namespace Bytez.Bench;

/// <summary>The fixed sentences of bench/data/sentences.txt (copied next to the program).</summary>
internal static class Corpus
{
    public static IReadOnlyList<string> Load(int limit)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "sentences.txt");
        var all = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (limit >= all.Count)
        {
            return all;
        }

        // An even spread over the file, so a quick run still mixes short, long and accented sentences.
        return Enumerable.Range(0, limit).Select(i => all[i * all.Count / limit]).ToList();
    }
}
