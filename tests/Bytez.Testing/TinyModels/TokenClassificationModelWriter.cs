namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="TokenClassificationModelWriter.Write"/> builds.</summary>
public sealed record TokenClassificationModelOptions
{
    /// <summary>The tokenizer family.</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>The labels in id order (default: dslim/bert-base-NER's).</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"];

    /// <summary>The vocabulary's design keys: plain words, and <c>##x</c> for pieces that continue a word.</summary>
    public IReadOnlyList<string> Words { get; init; } = TokenClassificationModelWriter.DefaultWords;

    /// <summary>
    /// Per design key, the logit of each named label (unnamed labels 0); <see langword="null"/> means
    /// <see cref="TokenClassificationModelWriter.DefaultRows"/>. Every token without a row gets
    /// <see cref="OtherLabel"/> = <see cref="OtherLogit"/> (special tokens and fallback pieces included).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>>? Rows { get; init; }

    /// <summary>The label of the tokens without a row.</summary>
    public string OtherLabel { get; init; } = "O";

    /// <summary>The logit of <see cref="OtherLabel"/> for the tokens without a row.</summary>
    public float OtherLogit { get; init; } = 5f;

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny token classifier written by <see cref="TokenClassificationModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="Labels">The labels in id order.</param>
/// <param name="Table">Per token id, its label logits ([vocabulary, labels]); the output <c>logits</c> [b, s, L] is this table looked up.</param>
/// <param name="Options">What was built.</param>
public sealed record TokenClassificationModel(string Folder, EncoderVocabulary Vocabulary, IReadOnlyList<string> Labels, float[,] Table, TokenClassificationModelOptions Options)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The label logits of a token (its vocabulary spelling).</summary>
    public float[] Logits(string token) => EncoderModelFolders.Row(Table, Vocabulary[token]);
}

/// <summary>
/// Writes a tiny token-classification (NER) model folder in the Optimum/Xenova layout whose <c>logits</c> [b, s, L]
/// are a per-token lookup. The default design: <c>john</c> B-PER 5, <c>##ny</c> I-PER 5 (so "johnny" is one PER
/// word of two tokens), <c>mary</c> B-PER 5, <c>paris</c> B-LOC 5, and the word "jordan" split into <c>jor</c>
/// (B-PER 3, B-LOC 2.75) and <c>##dan</c> (B-ORG 3.5, B-LOC 3) so that the aggregation strategies disagree: FIRST
/// gives PER, MAX gives ORG (0.550 beats 0.470), AVERAGE gives LOC. Every other token is O 5.
/// </summary>
public static class TokenClassificationModelWriter
{
    /// <summary>The default design keys.</summary>
    public static readonly IReadOnlyList<string> DefaultWords =
        ["john", "##ny", "mary", "lives", "in", "paris", "and", "visited", "jor", "##dan", "the", "city", "of", "with"];

    /// <summary>The default rows (see the class summary).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>> DefaultRows { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, float>>
        {
            ["john"] = new Dictionary<string, float> { ["B-PER"] = 5f },
            ["##ny"] = new Dictionary<string, float> { ["I-PER"] = 5f },
            ["mary"] = new Dictionary<string, float> { ["B-PER"] = 5f },
            ["paris"] = new Dictionary<string, float> { ["B-LOC"] = 5f },
            ["jor"] = new Dictionary<string, float> { ["B-PER"] = 3f, ["B-LOC"] = 2.75f },
            ["##dan"] = new Dictionary<string, float> { ["B-ORG"] = 3.5f, ["B-LOC"] = 3f },
        };

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static TokenClassificationModel Write(string folder, TokenClassificationModelOptions? options = null)
    {
        options ??= new TokenClassificationModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var labels = options.Labels;
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);

        var other = new float[labels.Count];
        other[IndexOf(labels, options.OtherLabel)] = options.OtherLogit;
        var rows = vocabulary.Tokens.ToDictionary(t => t, _ => other, StringComparer.Ordinal);
        foreach (var (token, row) in EncoderModelFolders.BySpelling(vocabulary, LabelRows(labels, options.Rows ?? DefaultRows)))
        {
            rows[token] = row;
        }

        var table = OnnxEncoderModelWriter.Table(vocabulary, labels.Count, rows);
        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes, new EncoderOutput("logits", EncoderOutputKind.PerToken, table));
        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForTokenClassification", vocabulary, options.MaxPositions, OnnxEncoderModelWriter.Labels(labels));
        return new TokenClassificationModel(folder, vocabulary, labels, table, options);
    }

    /// <summary>Rows of named label logits → rows of logits in label order.</summary>
    internal static Dictionary<string, float[]> LabelRows(IReadOnlyList<string> labels, IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>> rows)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, named) in rows)
        {
            var row = new float[labels.Count];
            foreach (var (label, logit) in named)
            {
                row[IndexOf(labels, label)] = logit;
            }

            result[key] = row;
        }

        return result;
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{label}' is not one of the labels [{string.Join(", ", labels)}].", nameof(labels));
    }
}
