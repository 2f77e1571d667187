namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's WordPiece model (BERT, DistilBERT, ELECTRA, MiniLM...): each word is split greedily into the longest
/// vocabulary entries from its start, every piece after the first spelled with <c>continuing_subword_prefix</c>
/// (<c>##</c>). A word longer than <c>max_input_chars_per_word</c> code points, or one with a part no entry covers,
/// becomes the unknown token as a whole, as in <c>tokenizers</c>' <c>WordPiece::tokenize</c>. Thread-safe.
/// </summary>
internal sealed class WordPieceModel : ITokenModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly string _prefix;
    private readonly int _maxInputCharsPerWord;
    private readonly int _unkId;
    private readonly int _longestEntry;

    /// <summary>Builds the model. Throws <see cref="EngineException"/> when the unknown token is not in the vocabulary.</summary>
    public WordPieceModel(Dictionary<string, int> vocab, string unkToken, string continuingSubwordPrefix, int maxInputCharsPerWord)
    {
        _vocab = vocab;
        _prefix = continuingSubwordPrefix;
        _maxInputCharsPerWord = maxInputCharsPerWord;
        if (!vocab.TryGetValue(unkToken, out _unkId))
        {
            throw EngineException.NotSupported($"tokenizer.json: the WordPiece unk_token '{unkToken}' is not in the vocabulary.");
        }

        var maxId = 0;
        foreach (var (token, id) in vocab)
        {
            maxId = Math.Max(maxId, id);
            _longestEntry = Math.Max(_longestEntry, token.Length);
        }

        IdToToken = new string?[vocab.Count == 0 ? 0 : maxId + 1];
        foreach (var (token, id) in vocab)
        {
            IdToToken[id] = token;
        }
    }

    /// <inheritdoc />
    public string?[] IdToToken { get; }

    /// <inheritdoc />
    public int Count => _vocab.Count;

    /// <inheritdoc />
    public int? UnknownId => _unkId;

    /// <inheritdoc />
    public string? ContinuingSubwordPrefix => _prefix;

    /// <inheritdoc />
    public bool TryGetId(string token, out int id) => _vocab.TryGetValue(token, out id);

    /// <inheritdoc />
    public void Tokenize(string word, List<int> output)
    {
        var tokens = new List<(int Id, int Start, int End)>();
        Tokenize(word, tokens);
        foreach (var token in tokens)
        {
            output.Add(token.Id);
        }
    }

    /// <inheritdoc />
    public void Tokenize(string word, List<(int Id, int Start, int End)> output)
    {
        if (word.Length == 0)
        {
            return;
        }

        var codePoints = 0;
        for (var i = 0; i < word.Length; i += AlignedString.Width(word, i))
        {
            codePoints++;
        }

        if (codePoints > _maxInputCharsPerWord)
        {
            output.Add((_unkId, 0, word.Length));
            return;
        }

        var first = output.Count;
        var lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        var buffer = Array.Empty<char>();
        var start = 0;
        while (start < word.Length)
        {
            // Candidates longer than the longest entry cannot match: start from there (the result is the same as
            // tokenizers' search from the end of the word, without its quadratic cost on long words).
            var prefixLength = start > 0 ? _prefix.Length : 0;
            var end = Math.Min(word.Length, start + Math.Max(0, _longestEntry - prefixLength));
            if (end < word.Length && char.IsLowSurrogate(word[end]) && end > start && char.IsHighSurrogate(word[end - 1]))
            {
                end--;
            }

            var found = -1;
            while (end > start)
            {
                int id;
                bool hit;
                if (prefixLength == 0)
                {
                    hit = lookup.TryGetValue(word.AsSpan(start, end - start), out id);
                }
                else
                {
                    var needed = prefixLength + end - start;
                    if (buffer.Length < needed)
                    {
                        buffer = new char[Math.Max(needed, 64)];
                    }

                    _prefix.AsSpan().CopyTo(buffer);
                    word.AsSpan(start, end - start).CopyTo(buffer.AsSpan(prefixLength));
                    hit = lookup.TryGetValue(buffer.AsSpan(0, needed), out id);
                }

                if (hit)
                {
                    found = id;
                    break;
                }

                end -= end - 1 > start && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? 2 : 1;
            }

            if (found < 0)
            {
                output.RemoveRange(first, output.Count - first);
                output.Add((_unkId, 0, word.Length));
                return;
            }

            output.Add((found, start, end));
            start = end;
        }
    }
}
