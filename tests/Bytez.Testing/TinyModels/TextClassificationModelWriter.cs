using System.Text.Json.Nodes;

namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="TextClassificationModelWriter.Write"/> builds.</summary>
public sealed record TextClassificationModelOptions
{
    /// <summary>The tokenizer family (WordPiece: BERT or DistilBERT by <see cref="TokenTypeIds"/>; byte-level BPE: RoBERTa; Unigram: XLM-R).</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>The labels in id order (<c>id2label</c>); one label makes a sigmoid (or regression) model.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["NEGATIVE", "POSITIVE"];

    /// <summary>The config's <c>problem_type</c> (<c>single_label_classification</c>, <c>multi_label_classification</c>, <c>regression</c>); <see langword="null"/> leaves it out.</summary>
    public string? ProblemType { get; init; }

    /// <summary>
    /// The words of the vocabulary (plain, lower-case); each gets the family's word spellings
    /// (<see cref="EncoderVocabulary.Spellings"/>).
    /// </summary>
    public IReadOnlyList<string> Words { get; init; } = TextClassificationModelWriter.DefaultWords;

    /// <summary>
    /// The logits each word adds, per label, keyed by plain word (all its spellings get the row);
    /// <see langword="null"/> means <see cref="TextClassificationModelWriter.DefaultWeights"/>. Keep the values small
    /// integers or halves so that every sum is exact in float32.
    /// </summary>
    public IReadOnlyDictionary<string, float[]>? Weights { get; init; }

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny text classifier written by <see cref="TextClassificationModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="Labels">The labels in id order.</param>
/// <param name="Table">Per token id, the logits it adds ([vocabulary, labels]); special tokens add zero.</param>
/// <param name="Options">What was built.</param>
public sealed record TextClassificationModel(string Folder, EncoderVocabulary Vocabulary, IReadOnlyList<string> Labels, float[,] Table, TextClassificationModelOptions Options)
{
    /// <summary>The model id a catalog or transformers.js gives the folder: its last two path segments (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The logits of an encoding: the rows of its tokens (vocabulary spellings, special tokens included) summed, exact in float32.</summary>
    public float[] Logits(params string[] tokens) => EncoderModelFolders.Sum(Table, tokens.Select(t => Vocabulary[t]));
}

/// <summary>
/// Writes a tiny text-classification model folder in the Optimum/Xenova layout (<c>config.json</c> with
/// <c>id2label</c>/<c>label2id</c>, the tokenizer files, <c>onnx/model.onnx</c>) whose <c>logits</c> [b, L] are the sum
/// over the unmasked tokens of a per-token table: "good movie" gives <c>W[good] + W[movie]</c> = [-2, 3] by default.
/// </summary>
public static class TextClassificationModelWriter
{
    /// <summary>The default words.</summary>
    public static readonly IReadOnlyList<string> DefaultWords = ["the", "movie", "was", "good", "bad", "not", "very", "film", "a", "is"];

    /// <summary>
    /// The default design: with two or more labels, <c>good</c> adds -2 to label 0 and 3 to label 1, <c>bad</c> 3 and -2
    /// (other labels 0); with one label, <c>good</c> adds 3 and <c>bad</c> -2. Every other token adds 0.
    /// </summary>
    public static IReadOnlyDictionary<string, float[]> DefaultWeights(int labels)
    {
        if (labels == 1)
        {
            return new Dictionary<string, float[]> { ["good"] = [3f], ["bad"] = [-2f] };
        }

        var good = new float[labels];
        var bad = new float[labels];
        (good[0], good[1], bad[0], bad[1]) = (-2f, 3f, 3f, -2f);
        return new Dictionary<string, float[]> { ["good"] = good, ["bad"] = bad };
    }

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static TextClassificationModel Write(string folder, TextClassificationModelOptions? options = null)
    {
        options ??= new TextClassificationModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var labels = options.Labels;
        var weights = options.Weights ?? DefaultWeights(labels.Count);
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);
        var table = OnnxEncoderModelWriter.Table(vocabulary, labels.Count, EncoderModelFolders.BySpelling(vocabulary, weights));
        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes, new EncoderOutput("logits", EncoderOutputKind.Pooled, table));

        var extra = OnnxEncoderModelWriter.Labels(labels);
        if (options.ProblemType is not null)
        {
            extra["problem_type"] = options.ProblemType;
        }

        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForSequenceClassification", vocabulary, options.MaxPositions, extra);
        return new TextClassificationModel(folder, vocabulary, labels, table, options);
    }
}
