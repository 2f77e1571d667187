using System.Text;
using System.Text.Json;

namespace Bytez.Engine.Tokenization;

/// <summary>
/// The character tokenizer of VITS and MMS-TTS models (<c>VitsTokenizer</c> of transformers 4.57, with the
/// <c>PreTrainedTokenizer.tokenize</c> around it): <c>vocab.json</c> maps characters to ids; <c>tokenizer_config.json</c>
/// says <c>normalize</c> (lower-case every character the vocabulary does not hold as written, then drop every
/// character it does not hold and strip surrounding whitespace), <c>add_blank</c> (the token of id 0 between the
/// characters and at both ends), <c>phonemize</c> and <c>is_uroman</c>. Characters are Unicode code points, as Python
/// strings count them. The special tokens (<c>pad_token</c>, <c>unk_token</c>, and <c>added_tokens_decoder</c>) are
/// matched whole in the text, longest first, and are not interspersed. Phonemizing models (transformers runs the
/// <c>phonemizer</c> package over espeak, which this server does not reproduce exactly) and texts that need uroman
/// are refused. Both files are untrusted: bounded in size, malformed ones refused naming the file.
/// </summary>
public sealed class VitsTokenizer
{
    /// <summary>The largest tokenizer file read: 16 MiB.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>The vocabulary file.</summary>
    public const string VocabularyFile = "vocab.json";

    /// <summary>The tokenizer settings file.</summary>
    public const string ConfigFile = "tokenizer_config.json";

    private const string SpecialTokensFile = "special_tokens_map.json";

    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    // The vocabulary in file order (normalize_text tries its entries in that order), as code points.
    private readonly List<(int[] Runes, string Text)> _words;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int> _added;
    private readonly string[] _addedLongestFirst;
    private readonly string? _blank;

    private VitsTokenizer(
        Dictionary<string, int> vocabulary, List<string> order, Dictionary<string, int> added,
        bool addBlank, bool normalize, bool phonemize, bool isUroman, string? language, string unkToken)
    {
        _vocabulary = vocabulary;
        _added = added;
        AddBlank = addBlank;
        Normalize = normalize;
        Phonemize = phonemize;
        IsUroman = isUroman;
        Language = language;
        UnkToken = unkToken;
        _words = [.. order.Concat(added.Keys).Select(w => (Runes(w), w))];
        _addedLongestFirst = [.. added.Keys.Where(k => k.Length > 0).OrderByDescending(k => k.Length)];
        _blank = vocabulary.FirstOrDefault(p => p.Value == 0).Key;
    }

    /// <summary>Whether the token of id 0 is put between the characters and at both ends (<c>add_blank</c>, default true).</summary>
    public bool AddBlank { get; }

    /// <summary>Whether the text is lower-cased and cut to the vocabulary's characters (<c>normalize</c>, default true).</summary>
    public bool Normalize { get; }

    /// <summary>Whether the model reads phonemes (<c>phonemize</c>, default true): such models are refused.</summary>
    public bool Phonemize { get; }

    /// <summary>Whether non-ASCII text is romanised with uroman first (<c>is_uroman</c>, default false).</summary>
    public bool IsUroman { get; }

    /// <summary>The language code (<c>language</c>; <c>ron</c> maps ț to ţ), or <see langword="null"/>.</summary>
    public string? Language { get; }

    /// <summary>The unknown token (<c>unk_token</c>), whose id replaces characters outside the vocabulary when it has one.</summary>
    public string UnkToken { get; }

    /// <summary>The vocabulary's characters in id order, written for messages (the first 100; spaces shown as <c>' '</c>).</summary>
    public string Characters
    {
        get
        {
            var shown = _vocabulary.OrderBy(p => p.Value).Take(100).Select(p => p.Key == " " ? "' '" : p.Key);
            return string.Join(" ", shown) + (_vocabulary.Count > 100 ? " ..." : string.Empty);
        }
    }

    /// <summary>The number of entries of <c>vocab.json</c>.</summary>
    public int VocabularySize => _vocabulary.Count;

    /// <summary>Reads <c>vocab.json</c> and, when present, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> of a model folder.</summary>
    /// <exception cref="EngineException">The vocabulary is missing, a file is too large or malformed (BadInput, naming the file).</exception>
    public static VitsTokenizer Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var vocabPath = Path.Combine(folder, VocabularyFile);
        var vocab = ReadBounded(vocabPath) ?? throw EngineException.BadInput($"The model folder {folder} has no {VocabularyFile}; a VITS model's characters are read from it.");
        var configPath = Path.Combine(folder, ConfigFile);
        var specialPath = Path.Combine(folder, SpecialTokensFile);
        return Parse(vocab, vocabPath, ReadBounded(configPath), configPath, ReadBounded(specialPath), specialPath);
    }

    /// <summary>Parses the files' texts; the paths name them in errors.</summary>
    /// <exception cref="EngineException">A text is malformed (BadInput, naming the file).</exception>
    public static VitsTokenizer Parse(
        string vocabJson, string vocabPath, string? configJson = null, string? configPath = null, string? specialTokensJson = null, string? specialTokensPath = null)
    {
        ArgumentNullException.ThrowIfNull(vocabJson);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        using (var document = ParseObject(vocabJson, vocabPath))
        {
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw EngineException.BadInput($"{vocabPath}: the id of \"{entry.Name}\" is not a non-negative integer ({entry.Value.ValueKind}).");
                }

                if (vocabulary.TryAdd(entry.Name, id))
                {
                    order.Add(entry.Name);
                }
                else
                {
                    vocabulary[entry.Name] = id; // json.load keeps the last value, at the first key's place
                }
            }
        }

        if (vocabulary.Count == 0)
        {
            throw EngineException.BadInput($"{vocabPath} holds no characters.");
        }

        // VitsTokenizer's defaults; special_tokens_map.json is read first and tokenizer_config.json wins.
        var (addBlank, normalize, phonemize, isUroman) = (true, true, true, false);
        string? language = null;
        string pad = "<pad>", unk = "<unk>";
        var declared = new SortedDictionary<int, string>();
        if (specialTokensJson is not null)
        {
            using var special = ParseObject(specialTokensJson, specialTokensPath ?? SpecialTokensFile);
            pad = TokenText(special.RootElement, "pad_token") ?? pad;
            unk = TokenText(special.RootElement, "unk_token") ?? unk;
        }

        if (configJson is not null)
        {
            var path = configPath ?? ConfigFile;
            using var config = ParseObject(configJson, path);
            var root = config.RootElement;
            addBlank = Flag(root, "add_blank", path) ?? addBlank;
            normalize = Flag(root, "normalize", path) ?? normalize;
            phonemize = Flag(root, "phonemize", path) ?? phonemize;
            isUroman = Flag(root, "is_uroman", path) ?? isUroman;
            language = root.TryGetProperty("language", out var lang) && lang.ValueKind == JsonValueKind.String ? lang.GetString() : null;
            pad = TokenText(root, "pad_token") ?? pad;
            unk = TokenText(root, "unk_token") ?? unk;
            if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in decoder.EnumerateObject())
                {
                    if (int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                        && TokenContent(entry.Value) is { } content)
                    {
                        declared[id] = content;
                    }
                }
            }
        }

        // The added tokens as PreTrainedTokenizer registers them: those tokenizer_config.json declares with their ids,
        // then the special tokens (unk before pad, its order) at their vocabulary id, else after everything.
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, content) in declared)
        {
            added.TryAdd(content, id);
        }

        var next = Math.Max(vocabulary.Values.Max() + 1, declared.Count == 0 ? 0 : declared.Keys.Max() + 1);
        foreach (var special in new[] { unk, pad })
        {
            if (special.Length > 0 && !added.ContainsKey(special))
            {
                added[special] = vocabulary.TryGetValue(special, out var id) ? id : next++;
            }
        }

        return new VitsTokenizer(vocabulary, order, added, addBlank, normalize, phonemize, isUroman, language, unk);
    }

    /// <summary>
    /// The text as <c>prepare_for_tokenization</c> leaves it: normalized (when <see cref="Normalize"/>), ț → ţ for
    /// Romanian, then (when normalizing) only the characters of the vocabulary, whitespace stripped at both ends.
    /// </summary>
    /// <exception cref="EngineException">
    /// The model phonemizes, or the text holds non-ASCII characters and the model wants uroman (BadInput, saying why).
    /// </exception>
    public string Prepare(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Phonemize)
        {
            throw EngineException.BadInput(
                "The model's tokenizer phonemizes its input (phonemize: true in tokenizer_config.json): transformers runs the phonemizer "
                + "package over espeak for it, which this server does not reproduce exactly, so such models are not served.");
        }

        var prepared = Normalize ? NormalizeText(text) : text;
        if (Language == "ron")
        {
            prepared = prepared.Replace("ț", "ţ", StringComparison.Ordinal);
        }

        if (IsUroman && prepared.Any(c => c > '\x7F'))
        {
            throw EngineException.BadInput(
                "The model reads romanised text (is_uroman: true in tokenizer_config.json) and the text holds non-ASCII characters; "
                + "transformers romanises them with the uroman package, which this server does not have. Send the text romanised.");
        }

        if (!Normalize)
        {
            return prepared;
        }

        var kept = new StringBuilder(prepared.Length);
        foreach (var rune in prepared.EnumerateRunes())
        {
            if (_vocabulary.ContainsKey(rune.ToString()))
            {
                kept.Append(rune.ToString());
            }
        }

        return StripPython(kept.ToString());
    }

    /// <summary>
    /// The <c>input_ids</c> of a text, as the tokenizer's <c>__call__</c> gives them (no special tokens around them):
    /// <see cref="Prepare"/>d, cut at the special tokens, each other piece's characters interspersed with the blank.
    /// Empty when nothing is left of the text.
    /// </summary>
    /// <exception cref="EngineException">
    /// As <see cref="Prepare"/>; a character outside the vocabulary without an unknown token, or a special token the
    /// model has no embedding for (BadInput, naming it); blanks wanted but no token has id 0 (NotSupported).
    /// </exception>
    public long[] Encode(string text)
    {
        var prepared = Prepare(text);
        var ids = new List<long>();
        foreach (var (piece, special) in Split(prepared))
        {
            if (special)
            {
                var id = _added[piece];
                if (!_vocabulary.ContainsKey(piece) && _vocabulary.Values.All(v => v != id))
                {
                    throw EngineException.BadInput($"The text holds the special token \"{piece}\", which the model's vocabulary ({VocabularyFile}) has no character for.");
                }

                ids.Add(id);
                continue;
            }

            if (AddBlank && _blank is null)
            {
                throw EngineException.NotSupported($"The model's tokenizer puts the token of id 0 between characters (add_blank), but its {VocabularyFile} has no id 0.");
            }

            foreach (var rune in piece.EnumerateRunes())
            {
                if (AddBlank)
                {
                    ids.Add(IdOf(_blank!));
                }

                ids.Add(IdOf(rune.ToString()));
            }

            if (AddBlank)
            {
                ids.Add(IdOf(_blank!));
            }
        }

        return [.. ids];
    }

    /// <summary><c>convert_tokens_to_ids</c> of one token: added tokens first, then the vocabulary, then the unknown token's id.</summary>
    private long IdOf(string token)
    {
        if (_added.TryGetValue(token, out var added))
        {
            return added;
        }

        return _vocabulary.TryGetValue(token, out var id) ? id
            : _vocabulary.TryGetValue(UnkToken, out var unk) ? unk
            : throw EngineException.BadInput(
                $"The text holds \"{token}\" (U+{char.ConvertToUtf32(token, 0):X4}), which the model's vocabulary ({VocabularyFile}) does not have, and it has no unknown token.");
    }

    /// <summary>
    /// <c>normalize_text</c>: at each position the first vocabulary entry (file order, then the added tokens) written
    /// there is kept as written; any other character is lower-cased (Python's <c>str.lower</c> of one character).
    /// </summary>
    private string NormalizeText(string text)
    {
        var runes = Runes(text);
        var output = new StringBuilder(text.Length);
        var i = 0;
        while (i < runes.Length)
        {
            var matched = false;
            foreach (var (word, wordText) in _words)
            {
                if (word.Length > 0 && i + word.Length <= runes.Length && runes.AsSpan(i, word.Length).SequenceEqual(word))
                {
                    output.Append(wordText);
                    i += word.Length;
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                output.Append(LowerPython(runes[i]));
                i++;
            }
        }

        return output.ToString();
    }

    /// <summary>The text cut at the added tokens (leftmost, longest first), as the tokenizer's trie splits it; empty pieces dropped.</summary>
    private List<(string Piece, bool Special)> Split(string text)
    {
        var pieces = new List<(string, bool)>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var match = _addedLongestFirst.FirstOrDefault(t => i + t.Length <= text.Length && string.CompareOrdinal(text, i, t, 0, t.Length) == 0);
            if (match is null)
            {
                i++;
                continue;
            }

            if (i > start)
            {
                pieces.Add((text[start..i], false));
            }

            pieces.Add((match, true));
            i += match.Length;
            start = i;
        }

        if (start < text.Length)
        {
            pieces.Add((text[start..], false));
        }

        return pieces;
    }

    /// <summary>Python's <c>str.lower</c> of one code point (full case mapping: İ gives i and a combining dot).</summary>
    private static string LowerPython(int codePoint) =>
        codePoint == 0x130 ? "i\u0307" : Rune.ToLowerInvariant(new Rune(codePoint)).ToString();

    /// <summary>Python's <c>str.strip()</c>: whitespace (<c>str.isspace</c>) removed at both ends.</summary>
    private static string StripPython(string text)
    {
        var runes = Runes(text);
        var start = 0;
        var end = runes.Length;
        while (start < end && IsSpacePython(runes[start]))
        {
            start++;
        }

        while (end > start && IsSpacePython(runes[end - 1]))
        {
            end--;
        }

        var builder = new StringBuilder();
        for (var i = start; i < end; i++)
        {
            builder.Append(char.ConvertFromUtf32(runes[i]));
        }

        return builder.ToString();
    }

    /// <summary>Python's <c>str.isspace</c> of one code point: the Zs, Zl, Zp characters and the controls 9–13, 28–31.</summary>
    private static bool IsSpacePython(int c) =>
        c is >= 9 and <= 13 or >= 0x1C and <= 0x1F or 0x85
        || (c <= 0xFFFF && System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c)
            is System.Globalization.UnicodeCategory.SpaceSeparator or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);

    private static int[] Runes(string text) => [.. text.EnumerateRunes().Select(r => r.Value)];

    private static bool? Flag(JsonElement root, string name, string path) =>
        !root.TryGetProperty(name, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw EngineException.BadInput($"{path}: `{name}` must be true or false; got {value.ValueKind}."),
        };

    /// <summary>A special token as the tokenizer files write it: a string, or an object with <c>content</c>.</summary>
    private static string? TokenText(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? TokenContent(value) : null;

    private static string? TokenContent(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => null,
    };

    private static string? ReadBounded(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            return info.Length > MaxFileBytes
                ? throw EngineException.BadInput($"{path} is {info.Length} bytes; a tokenizer file may have at most {MaxFileBytes}.")
                : File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} cannot be read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} cannot be read: {e.Message}", e);
        }
    }

    private static JsonDocument ParseObject(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Lenient);
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} is not valid JSON: {e.Message}", e);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw EngineException.BadInput($"{path} is not a JSON object (it holds a {kind}).");
        }

        return document;
    }
}
