namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>The model step of a Hugging Face tokenizer (BPE, Unigram or WordPiece): turns one pre-tokenized word into ids.</summary>
internal interface ITokenModel
{
    /// <summary>Token strings by id (null for ids the model does not have).</summary>
    string?[] IdToToken { get; }

    /// <summary>The number of entries in the vocabulary (what tokenizers calls the vocab size).</summary>
    int Count { get; }

    /// <summary>The id of a token as the vocabulary spells it.</summary>
    bool TryGetId(string token, out int id);

    /// <summary>Appends the ids of one pre-tokenized word.</summary>
    void Tokenize(string word, List<int> output);

    /// <summary>Appends the tokens of one pre-tokenized word with the range of the word (UTF-16 units) each covers.</summary>
    void Tokenize(string word, List<(int Id, int Start, int End)> output);

    /// <summary>The unknown token's id, if the model has one.</summary>
    int? UnknownId { get; }

    /// <summary>The prefix of word-continuing tokens (WordPiece's <c>##</c>; BPE's when set), or null.</summary>
    string? ContinuingSubwordPrefix { get; }
}
