namespace Bytez.Testing.TinyModels;

/// <summary>What the tiny encoder task builders share: tokenizer folders from design keys, spellings, sums and ids.</summary>
public static class EncoderModelFolders
{
    /// <summary>
    /// Writes the tokenizer files for design keys (a plain word in all of the family's spellings, <c>##x</c> a
    /// continuation piece; see <see cref="EncoderVocabulary.Spell"/>), with the <c>tokenizer_class</c> of the model type
    /// (<c>BertTokenizer</c>, <c>DistilBertTokenizer</c>, <c>RobertaTokenizer</c>, <c>XLMRobertaTokenizer</c>).
    /// </summary>
    public static EncoderVocabulary WriteTokenizer(string folder, EncoderTokenizerStyle style, IEnumerable<string> keys, int maxLength, string modelType)
    {
        var spelled = new EncoderVocabulary(style, []);
        return EncoderTokenizerWriter.Write(folder, new EncoderTokenizerOptions
        {
            Style = style,
            Tokens = [.. keys.SelectMany(k => spelled.Spell(k))],
            ModelMaxLength = maxLength,
            TokenizerClass = OnnxEncoderModelWriter.ClassPrefix(modelType) + "Tokenizer",
        });
    }

    /// <summary>Rows keyed by design key → rows keyed by every vocabulary spelling of the key (<see cref="EncoderVocabulary.Spell"/>).</summary>
    public static IReadOnlyDictionary<string, float[]> BySpelling(EncoderVocabulary vocabulary, IReadOnlyDictionary<string, float[]> rows, bool afterSpaceOnly = false)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, values) in rows)
        {
            foreach (var spelling in vocabulary.Spell(key, afterSpaceOnly))
            {
                if (!vocabulary.Contains(spelling))
                {
                    throw new ArgumentException($"'{spelling}' (for '{key}') is not in the tiny vocabulary; add '{key}' to the words.", nameof(rows));
                }

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

    /// <summary>The folder that holds the model's organisation folder: <c>env.localModelPath</c> for transformers.js, a models root for a catalog.</summary>
    public static string Root(string folder) => Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)))!;
}
