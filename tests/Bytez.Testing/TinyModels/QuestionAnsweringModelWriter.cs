namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="QuestionAnsweringModelWriter.Write"/> builds.</summary>
public sealed record QuestionAnsweringModelOptions
{
    /// <summary>The tokenizer family.</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT) or not (DistilBERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>The vocabulary's design keys: plain words, and <c>##x</c> for pieces that continue a word.</summary>
    public IReadOnlyList<string> Words { get; init; } = QuestionAnsweringModelWriter.DefaultWords;

    /// <summary>Per design key, its start logit (others 0); <see langword="null"/>: <c>paris</c> 8, <c>lon</c> 4.</summary>
    public IReadOnlyDictionary<string, float>? Start { get; init; }

    /// <summary>Per design key, its end logit (others 0); <see langword="null"/>: <c>france</c> 8, <c>##don</c> 4.</summary>
    public IReadOnlyDictionary<string, float>? End { get; init; }

    /// <summary>The start and end logit of the classification token (<c>[CLS]</c>/<c>&lt;s&gt;</c>): high values make "no answer" win with <c>handle_impossible_answer</c>.</summary>
    public float ClsLogit { get; init; }

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny extractive QA model written by <see cref="QuestionAnsweringModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="StartLogits">Per token id, its <c>start_logits</c> value.</param>
/// <param name="EndLogits">Per token id, its <c>end_logits</c> value.</param>
/// <param name="Options">What was built.</param>
public sealed record QuestionAnsweringModel(string Folder, EncoderVocabulary Vocabulary, float[] StartLogits, float[] EndLogits, QuestionAnsweringModelOptions Options)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The start logit of a token (its vocabulary spelling).</summary>
    public float Start(string token) => StartLogits[Vocabulary[token]];

    /// <summary>The end logit of a token (its vocabulary spelling).</summary>
    public float End(string token) => EndLogits[Vocabulary[token]];
}

/// <summary>
/// Writes a tiny extractive question-answering model folder in the Optimum/Xenova layout whose <c>start_logits</c>
/// and <c>end_logits</c> [b, s] are lookups of the token ids. The default design points at "paris , france" in a
/// context such as "the capital is paris , france ." (start <c>paris</c> 8, end <c>france</c> 8), with a weaker
/// second answer over the two-piece word "london" (<c>lon</c> start 4, <c>##don</c> end 4). A question that holds
/// "france" carries an end logit of 8 too, which the pipeline must ignore (question tokens are masked).
/// </summary>
public static class QuestionAnsweringModelWriter
{
    /// <summary>The default design keys.</summary>
    public static readonly IReadOnlyList<string> DefaultWords =
        ["what", "is", "the", "capital", "of", "france", "paris", "city", "river", "a", "on", "lies", "lon", "##don", "england", "where"];

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static QuestionAnsweringModel Write(string folder, QuestionAnsweringModelOptions? options = null)
    {
        options ??= new QuestionAnsweringModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);
        var start = Column(vocabulary, options.Start ?? new Dictionary<string, float> { ["paris"] = 8f, ["lon"] = 4f }, options.ClsLogit);
        var end = Column(vocabulary, options.End ?? new Dictionary<string, float> { ["france"] = 8f, ["##don"] = 4f }, options.ClsLogit);
        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes,
            new EncoderOutput("start_logits", EncoderOutputKind.PerTokenScalar, AsTable(start)),
            new EncoderOutput("end_logits", EncoderOutputKind.PerTokenScalar, AsTable(end)));
        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForQuestionAnswering", vocabulary, options.MaxPositions);
        return new QuestionAnsweringModel(folder, vocabulary, start, end, options);
    }

    private static float[] Column(EncoderVocabulary vocabulary, IReadOnlyDictionary<string, float> logits, float cls)
    {
        var column = new float[vocabulary.Size];
        foreach (var (token, row) in EncoderModelFolders.BySpelling(vocabulary, logits.ToDictionary(p => p.Key, p => new[] { p.Value })))
        {
            column[vocabulary[token]] = row[0];
        }

        column[vocabulary[vocabulary.Cls]] = cls;
        return column;
    }

    private static float[,] AsTable(float[] column)
    {
        var table = new float[column.Length, 1];
        for (var i = 0; i < column.Length; i++)
        {
            table[i, 0] = column[i];
        }

        return table;
    }
}
