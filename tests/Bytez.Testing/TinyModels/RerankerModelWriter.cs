using System.Text.Json.Nodes;

namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="RerankerModelWriter.Write"/> builds.</summary>
public sealed record RerankerModelOptions
{
    /// <summary>The tokenizer family: WordPiece with token types is cross-encoder/ms-marco-MiniLM-L6-v2's (BERT); Unigram is BAAI/bge-reranker-base's (XLM-R).</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>The vocabulary's design keys.</summary>
    public IReadOnlyList<string> Words { get; init; } = RerankerModelWriter.DefaultWords;

    /// <summary>
    /// Per design key, the relevance logit it adds (query and document tokens alike); <see langword="null"/>:
    /// <c>paris</c> 2, <c>capital</c> 1, <c>france</c> 1, <c>berlin</c> -1, <c>river</c> -2, <c>seine</c> 0.5.
    /// </summary>
    public IReadOnlyDictionary<string, float>? Weights { get; init; }

    /// <summary>With token types (BERT): the logit each token of the second segment (the document and its separator) adds, so wrong token types change the scores.</summary>
    public float SecondSegmentLogit { get; init; }

    /// <summary>Write the <c>sentence_transformers</c> entry of newer cross-encoder configs (activation: sigmoid).</summary>
    public bool SentenceTransformersConfig { get; init; } = true;

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny cross-encoder reranker written by <see cref="RerankerModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="Weights">Per token id, the logit it adds.</param>
/// <param name="SecondSegment">What each token of type 1 adds (0 without token types).</param>
/// <param name="Options">What was built.</param>
public sealed record RerankerModel(string Folder, EncoderVocabulary Vocabulary, float[] Weights, float SecondSegment, RerankerModelOptions Options)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The one logit of a query/document pair encoding (vocabulary spellings, special tokens included), exact in float32.</summary>
    public float Logit(params string[] tokens)
    {
        var sum = 0f;
        foreach (var token in tokens)
        {
            sum += Weights[Vocabulary[token]];
        }

        return sum;
    }

    /// <summary>The logit of the pair (query, document) as the tokenizer encodes it (<see cref="EncoderVocabulary.Pair"/>), the second segment's share included.</summary>
    public float PairLogit(string[] query, string[] document)
    {
        var logit = Logit(Vocabulary.Pair(query, document));
        for (var n = 0; n < Vocabulary.SecondSegmentLength(document); n++)
        {
            logit += SecondSegment;
        }

        return logit;
    }
}

/// <summary>
/// Writes a tiny cross-encoder reranker folder (text-ranking) in the Optimum/Xenova layout, shaped like
/// cross-encoder/ms-marco-MiniLM-L6-v2: a sequence classifier with one label (<c>LABEL_0</c>) whose <c>logits</c>
/// [b, 1] are the masked sum of a per-token weight over the pair <c>[CLS] query [SEP] document [SEP]</c>.
/// </summary>
public static class RerankerModelWriter
{
    /// <summary>The default design keys.</summary>
    public static readonly IReadOnlyList<string> DefaultWords =
        ["what", "is", "the", "capital", "of", "france", "paris", "berlin", "river", "city", "a", "in", "germany", "lies", "on", "seine"];

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static RerankerModel Write(string folder, RerankerModelOptions? options = null)
    {
        options ??= new RerankerModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);
        var weights = options.Weights ?? new Dictionary<string, float>
        {
            ["paris"] = 2f, ["capital"] = 1f, ["france"] = 1f, ["berlin"] = -1f, ["river"] = -2f, ["seine"] = 0.5f,
        };
        var table = OnnxEncoderModelWriter.Table(vocabulary, 1, EncoderModelFolders.BySpelling(vocabulary, weights.ToDictionary(p => p.Key, p => new[] { p.Value })));
        var segment = tokenTypes ? options.SecondSegmentLogit : 0f;
        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes, new EncoderOutput("logits", EncoderOutputKind.Pooled, table, SecondSegment: [segment]));
        var extra = OnnxEncoderModelWriter.Labels(["LABEL_0"]);
        if (options.SentenceTransformersConfig)
        {
            extra["sentence_transformers"] = new JsonObject { ["activation_fn"] = "torch.nn.modules.activation.Sigmoid", ["version"] = "4.1.0" };
        }

        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForSequenceClassification", vocabulary, options.MaxPositions, extra);
        var column = new float[vocabulary.Size];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = table[i, 0];
        }

        return new RerankerModel(folder, vocabulary, column, segment, options);
    }
}
