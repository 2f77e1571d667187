namespace Bytez.Engine.Tokenization;

/// <summary>The settings of a BERT WordPiece tokenizer, as Hugging Face's <c>tokenizer_config.json</c> or <c>tokenizer.json</c> give them.</summary>
public sealed record BertTokenizerSettings
{
    /// <summary>Lowercase the text first (<c>do_lower_case</c>).</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Remove accents (<c>strip_accents</c>); <see langword="null"/> follows <see cref="LowerCase"/>, as Hugging Face does.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Put spaces around CJK characters (<c>tokenize_chinese_chars</c>).</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>The unknown token.</summary>
    public string UnknownToken { get; init; } = "[UNK]";

    /// <summary>The classification token put first.</summary>
    public string ClsToken { get; init; } = "[CLS]";

    /// <summary>The separator token put last.</summary>
    public string SepToken { get; init; } = "[SEP]";

    /// <summary>The padding token.</summary>
    public string PadToken { get; init; } = "[PAD]";

    /// <summary>The mask token.</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>The longest input the tokenizer's model accepts (<c>model_max_length</c>), when the configuration gives a sane one.</summary>
    public int? ModelMaxLength { get; init; }

    /// <summary>Whether accents are removed, after resolving <see langword="null"/>.</summary>
    public bool EffectiveStripAccents => StripAccents ?? LowerCase;
}
