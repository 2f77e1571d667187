namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>The model step of a Hugging Face tokenizer (BPE or Unigram): turns one pre-tokenized word into ids.</summary>
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
}
