using System.Text;
using System.Text.Json;

namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>One piece of a CTC transcript with its place in the logit frames: a character or a word.</summary>
/// <param name="Text">The character (the word delimiter as a space) or the word.</param>
/// <param name="StartFrame">The first logit frame it spans.</param>
/// <param name="EndFrame">The frame after the last it spans.</param>
public readonly record struct CtcPiece(string Text, int StartFrame, int EndFrame);

/// <summary>
/// Greedy CTC decoding with the semantics of transformers 4.57's <c>Wav2Vec2CTCTokenizer.decode</c> as the speech
/// pipeline calls it for a CTC model (special tokens kept, <c>skip_special_tokens=False</c>): ids to tokens from
/// <c>vocab.json</c> (an unknown id is the unk token), consecutive equal tokens grouped, the pad token (the CTC blank)
/// dropped, the word delimiter (<c>|</c>) written as a space, the tokens joined without spaces and the ends stripped;
/// <c>do_lower_case</c> lowers it; <c>clean_up_tokenization_spaces</c> (false unless the tokenizer configuration says
/// so) removes the spaces before punctuation and English contractions. Character offsets are the groups' frame spans
/// (blanks left out); word offsets join the characters between delimiters.
/// </summary>
public sealed class CtcDecoder
{
    /// <summary>The largest <c>vocab.json</c> or <c>tokenizer_config.json</c> read: 16 MiB.</summary>
    public const long MaxFileBytes = 16L << 20;

    private readonly string[] _tokens;

    /// <summary>Creates a decoder over tokens by id.</summary>
    public CtcDecoder(IReadOnlyList<string> tokens, string padToken = "<pad>", string wordDelimiter = "|", string unkToken = "<unk>", bool lowerCase = false, bool cleanUpSpaces = false)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = [.. tokens];
        PadToken = padToken;
        WordDelimiter = wordDelimiter;
        UnkToken = unkToken;
        LowerCase = lowerCase;
        CleanUpSpaces = cleanUpSpaces;
    }

    /// <summary>The CTC blank (<c>pad_token</c>).</summary>
    public string PadToken { get; }

    /// <summary>The token between words (<c>word_delimiter_token</c>), written as a space.</summary>
    public string WordDelimiter { get; }

    /// <summary>The token of an id outside the vocabulary (<c>unk_token</c>).</summary>
    public string UnkToken { get; }

    /// <summary>Whether the text is lowered (<c>do_lower_case</c>).</summary>
    public bool LowerCase { get; }

    /// <summary>Whether spaces before punctuation and contractions are removed (<c>clean_up_tokenization_spaces</c>).</summary>
    public bool CleanUpSpaces { get; }

    /// <summary>
    /// Reads <c>vocab.json</c> (token → id) and, when present, <c>tokenizer_config.json</c> (<c>pad_token</c>,
    /// <c>word_delimiter_token</c>, <c>unk_token</c>, <c>do_lower_case</c>, <c>clean_up_tokenization_spaces</c>) of a model folder.
    /// </summary>
    /// <exception cref="EngineException">The vocabulary is missing, too large or malformed (BadInput, naming the file).</exception>
    public static CtcDecoder Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var vocabPath = Path.Combine(folder, "vocab.json");
        using var vocab = ReadJson(vocabPath) ?? throw EngineException.BadInput($"The model folder {folder} has no vocab.json; a CTC speech model needs it to turn frames into letters.");
        var byId = new SortedDictionary<int, string>();
        foreach (var entry in vocab.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0 || id > 10_000_000)
            {
                throw EngineException.BadInput($"{vocabPath}: the id of '{entry.Name}' must be an integer from 0 to 10000000; got {Arguments.Describe(entry.Value)}.");
            }

            byId[id] = entry.Name; // a later duplicate id wins, as Python's dict inversion
        }

        var count = byId.Count == 0 ? 0 : byId.Keys.Max() + 1;
        var tokens = new string[count];
        foreach (var (id, token) in byId)
        {
            tokens[id] = token;
        }

        using var config = ReadJson(Path.Combine(folder, "tokenizer_config.json"));
        var root = config?.RootElement;
        return new CtcDecoder(
            tokens,
            Text(root, "pad_token") ?? "<pad>",
            Text(root, "word_delimiter_token") ?? "|",
            Text(root, "unk_token") ?? "<unk>",
            Flag(root, "do_lower_case"),
            Flag(root, "clean_up_tokenization_spaces"));
    }

    /// <summary>The transcript of argmax ids, with the character pieces (offsets in frames).</summary>
    public (string Text, IReadOnlyList<CtcPiece> Characters) Decode(ReadOnlySpan<int> ids)
    {
        var characters = new List<CtcPiece>();
        var text = new StringBuilder();
        var start = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            if (i + 1 < ids.Length && Token(ids[i + 1]) == Token(ids[i]))
            {
                continue; // the group runs on
            }

            var token = Token(ids[i]);
            if (token != PadToken)
            {
                var piece = token == WordDelimiter ? " " : token;
                characters.Add(new CtcPiece(piece, start, i + 1));
                text.Append(piece);
            }

            start = i + 1;
        }

        var result = text.ToString().Trim();
        if (LowerCase)
        {
            result = result.ToLowerInvariant();
        }

        if (CleanUpSpaces)
        {
            result = CleanUp(result);
        }

        return (result, characters);
    }

    /// <summary>The words of character pieces: runs of non-space characters, each spanning its first to its last frame.</summary>
    public static IReadOnlyList<CtcPiece> Words(IReadOnlyList<CtcPiece> characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        var words = new List<CtcPiece>();
        var word = new StringBuilder();
        int first = 0, end = 0;
        foreach (var c in characters)
        {
            if (c.Text == " ")
            {
                if (word.Length > 0)
                {
                    words.Add(new CtcPiece(word.ToString(), first, end));
                    word.Clear();
                }

                continue;
            }

            if (word.Length == 0)
            {
                first = c.StartFrame;
            }

            word.Append(c.Text);
            end = c.EndFrame;
        }

        if (word.Length > 0)
        {
            words.Add(new CtcPiece(word.ToString(), first, end));
        }

        return words;
    }

    private string Token(int id) => id >= 0 && id < _tokens.Length && _tokens[id] is { } token ? token : UnkToken;

    private static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal).Replace(" 're", "'re", StringComparison.Ordinal);

    private static JsonDocument? ReadJson(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > MaxFileBytes)
            {
                throw EngineException.BadInput($"{path} is {info.Length} bytes; at most {MaxFileBytes} are read.");
            }

            var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw EngineException.BadInput($"{path} is not a JSON object.");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} is not valid JSON: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, $"{path} cannot be read: {e.Message}", e);
        }
    }

    private static string? Text(JsonElement? root, string name)
    {
        if (root is not { } r || !r.TryGetProperty(name, out var value))
        {
            return null;
        }

        // A special token is a string or an AddedToken object {"content": ...}.
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => null,
        };
    }

    private static bool Flag(JsonElement? root, string name) =>
        root is { } r && r.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
