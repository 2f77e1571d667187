namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="ZeroShotModelWriter.Write"/> builds.</summary>
public sealed record ZeroShotModelOptions
{
    /// <summary>The tokenizer family.</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>
    /// The NLI labels in id order (<c>id2label</c>; <c>label2id</c> follows it). The default is bart-large-mnli's;
    /// <c>["ENTAILMENT", "NEUTRAL", "CONTRADICTION"]</c> puts entailment at id 0, where the Python pipeline takes the
    /// LAST column as contradiction.
    /// </summary>
    public IReadOnlyList<string> Labels { get; init; } = ["contradiction", "neutral", "entailment"];

    /// <summary>The vocabulary's design keys.</summary>
    public IReadOnlyList<string> Words { get; init; } = ZeroShotModelWriter.DefaultWords;

    /// <summary>
    /// Per design key, the logit it adds to each named NLI label (summed over premise and hypothesis tokens);
    /// <see langword="null"/> means <see cref="ZeroShotModelWriter.DefaultRows"/>.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>>? Rows { get; init; }

    /// <summary>
    /// With token types (BERT): the logit each token of the second segment (the hypothesis and its separator) adds
    /// to each named NLI label, so wrong token types change the answers; <see langword="null"/>: none.
    /// </summary>
    public IReadOnlyDictionary<string, float>? SecondSegmentLogits { get; init; }

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny NLI model written by <see cref="ZeroShotModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="Labels">The NLI labels in id order.</param>
/// <param name="Table">Per token id, the logits it adds ([vocabulary, labels]).</param>
/// <param name="SecondSegment">What each token of type 1 adds (zeros without token types).</param>
/// <param name="Options">What was built.</param>
public sealed record ZeroShotModel(string Folder, EncoderVocabulary Vocabulary, IReadOnlyList<string> Labels, float[,] Table, float[] SecondSegment, ZeroShotModelOptions Options)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The logits of a premise/hypothesis encoding (vocabulary spellings, special tokens included): the rows summed, exact in float32.</summary>
    public float[] Logits(params string[] tokens) => EncoderModelFolders.Sum(Table, tokens.Select(t => Vocabulary[t]));

    /// <summary>The logits of the pair (premise, hypothesis) as the tokenizer encodes it (<see cref="EncoderVocabulary.Pair"/>), the second segment's share included.</summary>
    public float[] PairLogits(string[] premise, string[] hypothesis)
    {
        var logits = Logits(Vocabulary.Pair(premise, hypothesis));
        for (var n = 0; n < Vocabulary.SecondSegmentLength(hypothesis); n++)
        {
            for (var k = 0; k < logits.Length; k++)
            {
                logits[k] += SecondSegment[k];
            }
        }

        return logits;
    }

    /// <summary>The id of a label of the model (case-sensitive).</summary>
    public int LabelId(string label) => Labels.ToList().IndexOf(label) is var i and >= 0 ? i : throw new KeyNotFoundException(label);
}

/// <summary>
/// Writes a tiny NLI model folder (for zero-shot-classification) in the Optimum/Xenova layout whose <c>logits</c>
/// [b, 3] are the masked sum of a per-token table, so each candidate label's hypothesis ("This example is sports.")
/// gets a closed-form entailment logit. The default design: <c>sports</c> adds entailment 2, <c>politics</c>
/// entailment -1 and contradiction 1, <c>cooking</c> contradiction 0.5, the premise word <c>game</c> entailment 1
/// (the same for every hypothesis: single-label scores ignore it, multi-label ones do not).
/// </summary>
public static class ZeroShotModelWriter
{
    /// <summary>The default design keys.</summary>
    public static readonly IReadOnlyList<string> DefaultWords =
        ["this", "example", "is", "sports", "politics", "cooking", "the", "game", "was", "great", "topic", "about", "team", "won"];

    /// <summary>The default rows (see the class summary), by label name of the default labels.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>> DefaultRows { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, float>>
        {
            ["sports"] = new Dictionary<string, float> { ["entailment"] = 2f },
            ["politics"] = new Dictionary<string, float> { ["entailment"] = -1f, ["contradiction"] = 1f },
            ["cooking"] = new Dictionary<string, float> { ["contradiction"] = 0.5f },
            ["game"] = new Dictionary<string, float> { ["entailment"] = 1f },
        };

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static ZeroShotModel Write(string folder, ZeroShotModelOptions? options = null)
    {
        options ??= new ZeroShotModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var labels = options.Labels;
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);
        var rows = options.Rows ?? DefaultRows;
        if (options.Rows is null)
        {
            // The default rows name the default labels; match them to the options' labels case-insensitively.
            rows = rows.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, float>)p.Value.ToDictionary(
                q => labels.FirstOrDefault(l => string.Equals(l, q.Key, StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"The default rows need a label '{q.Key}'; give Rows for these labels.", nameof(options)),
                q => q.Value));
        }

        var table = OnnxEncoderModelWriter.Table(vocabulary, labels.Count, EncoderModelFolders.BySpelling(vocabulary, TokenClassificationModelWriter.LabelRows(labels, rows)));
        var segment = tokenTypes && options.SecondSegmentLogits is { } named
            ? TokenClassificationModelWriter.LabelRows(labels, new Dictionary<string, IReadOnlyDictionary<string, float>> { [""] = named })[""]
            : new float[labels.Count];
        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes, new EncoderOutput("logits", EncoderOutputKind.Pooled, table, SecondSegment: segment));
        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForSequenceClassification", vocabulary, options.MaxPositions, OnnxEncoderModelWriter.Labels(labels));
        return new ZeroShotModel(folder, vocabulary, labels, table, segment, options);
    }
}
