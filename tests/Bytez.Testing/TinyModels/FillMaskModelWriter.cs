namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="FillMaskModelWriter.Write"/> builds.</summary>
public sealed record FillMaskModelOptions
{
    /// <summary>The tokenizer family (its mask token: <c>[MASK]</c> or <c>&lt;mask&gt;</c>).</summary>
    public EncoderTokenizerStyle Tokenizer { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>Whether the graph takes <c>token_type_ids</c> (BERT); only with WordPiece.</summary>
    public bool TokenTypeIds { get; init; } = true;

    /// <summary>The vocabulary's design keys: plain words, and <c>##x</c> for pieces that continue a word.</summary>
    public IReadOnlyList<string> Words { get; init; } = FillMaskModelWriter.DefaultWords;

    /// <summary>
    /// The logits at a mask position, per design key (a plain word names its spelling after a space: <c>capital</c>,
    /// <c>Ġcapital</c>, <c>▁capital</c>; <c>##s</c> a continuation piece); every other token 0.
    /// <see langword="null"/>: <c>capital</c> 6, <c>city</c> 4, <c>river</c> 2.
    /// </summary>
    public IReadOnlyDictionary<string, float>? MaskLogits { get; init; }

    /// <summary>The config's <c>max_position_embeddings</c> and the tokenizer's <c>model_max_length</c>.</summary>
    public int MaxPositions { get; init; } = 512;
}

/// <summary>A tiny masked language model written by <see cref="FillMaskModelWriter"/>, with the facts of its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokenizer's vocabulary.</param>
/// <param name="MaskRow">The logits over the whole vocabulary at every mask position (every other position: all 0).</param>
/// <param name="Options">What was built.</param>
public sealed record FillMaskModel(string Folder, EncoderVocabulary Vocabulary, float[] MaskRow, FillMaskModelOptions Options)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The mask token of the family.</summary>
    public string Mask => Vocabulary.Mask;

    /// <summary>The id of the mask token.</summary>
    public int MaskId => Vocabulary[Vocabulary.Mask];
}

/// <summary>
/// Writes a tiny fill-mask model folder in the Optimum/Xenova layout whose <c>logits</c> [b, s, V] are zero except at
/// the positions of the mask token, where they are <see cref="FillMaskModel.MaskRow"/>: the predictions are a
/// closed-form softmax of that row over the whole vocabulary.
/// </summary>
public static class FillMaskModelWriter
{
    /// <summary>The default design keys.</summary>
    public static readonly IReadOnlyList<string> DefaultWords =
        ["paris", "is", "the", "capital", "of", "france", "city", "river", "a", "big", "##s"];

    /// <summary>Writes the folder (created when missing) and returns the model's design.</summary>
    public static FillMaskModel Write(string folder, FillMaskModelOptions? options = null)
    {
        options ??= new FillMaskModelOptions();
        var tokenTypes = options.TokenTypeIds && options.Tokenizer == EncoderTokenizerStyle.WordPiece;
        var modelType = OnnxEncoderModelWriter.ModelType(options.Tokenizer, tokenTypes);
        var vocabulary = EncoderModelFolders.WriteTokenizer(folder, options.Tokenizer, options.Words, options.MaxPositions, modelType);
        var logits = options.MaskLogits ?? new Dictionary<string, float> { ["capital"] = 6f, ["city"] = 4f, ["river"] = 2f };
        var row = new float[vocabulary.Size];
        foreach (var (token, value) in EncoderModelFolders.BySpelling(vocabulary, logits.ToDictionary(p => p.Key, p => new[] { p.Value }), afterSpaceOnly: true))
        {
            row[vocabulary[token]] = value[0];
        }

        var table = new float[vocabulary.Size, vocabulary.Size];
        var mask = vocabulary[vocabulary.Mask];
        for (var k = 0; k < row.Length; k++)
        {
            table[mask, k] = row[k];
        }

        OnnxEncoderModelWriter.Write(Path.Combine(folder, "onnx", "model.onnx"), tokenTypes, new EncoderOutput("logits", EncoderOutputKind.PerToken, table));
        OnnxEncoderModelWriter.WriteConfig(folder, modelType, OnnxEncoderModelWriter.ClassPrefix(modelType) + "ForMaskedLM", vocabulary, options.MaxPositions);
        return new FillMaskModel(folder, vocabulary, row, options);
    }
}
