namespace Bytez.Testing.TinyModels;

/// <summary>What the tiny encoder task builders share: tokenizer folders from plain words, spellings, sums and ids.</summary>
public static class EncoderModelFolders
{
    /// <summary>Writes the tokenizer files for plain words (every word in all of the family's spellings) plus extra tokens as spelled.</summary>
    public static EncoderVocabulary WriteTokenizer(string folder, EncoderTokenizerStyle style, IEnumerable<string> words, int maxLength, IEnumerable<string>? tokens = null, string? tokenizerClass = null)
    {
        var spelled = new EncoderVocabulary(style, []);
        return EncoderTokenizerWriter.Write(folder, new EncoderTokenizerOptions
        {
            Style = style,
            Tokens = [.. words.SelectMany(spelled.Spellings), .. tokens ?? []],
            ModelMaxLength = maxLength,
            TokenizerClass = tokenizerClass,
        });
    }

    /// <summary>Rows keyed by plain word (or by an exact vocabulary token) → rows keyed by every vocabulary spelling of it.</summary>
    public static IReadOnlyDictionary<string, float[]> BySpelling(EncoderVocabulary vocabulary, IReadOnlyDictionary<string, float[]> rows)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, values) in rows)
        {
            var spellings = vocabulary.Spellings(key).Where(vocabulary.Contains).ToList();
            if (spellings.Count == 0 && vocabulary.Contains(key))
            {
                spellings.Add(key);
            }

            if (spellings.Count == 0)
            {
                throw new ArgumentException($"'{key}' is neither a word nor a token of the tiny vocabulary.", nameof(rows));
            }

            foreach (var spelling in spellings)
            {
                result[spelling] = values;
            }
        }

        return result;
    }

    /// <summary>The column sums of the rows of <paramref name="ids"/>, in float32.</summary>
    public static float[] Sum(float[,] table, IEnumerable<int> ids)
    {
        var sum = new float[table.GetLength(1)];
        foreach (var id in ids)
        {
            for (var k = 0; k < sum.Length; k++)
            {
                sum[k] += table[id, k];
            }
        }

        return sum;
    }

    /// <summary>The row of one token id.</summary>
    public static float[] Row(float[,] table, int id) => Enumerable.Range(0, table.GetLength(1)).Select(k => table[id, k]).ToArray();

    /// <summary>The id of a model folder as a catalog or transformers.js names it: its last two path segments.</summary>
    public static string Id(string folder)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return Path.GetFileName(Path.GetDirectoryName(full)!) + "/" + Path.GetFileName(full);
    }
}
