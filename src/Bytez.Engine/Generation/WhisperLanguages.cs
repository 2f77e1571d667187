namespace Bytez.Engine.Generation;

/// <summary>
/// Whisper's languages as transformers 4.57 names them (<c>tokenization_whisper.py</c>: language codes, English names
/// and the extra names it accepts) and how <c>WhisperForConditionalGeneration.generate</c> turns a <c>language</c>
/// argument into a language token: lower-cased, then a token (<c>&lt;|fr|&gt;</c>), a name (<c>french</c>) or a code
/// (<c>fr</c>); the token must be in the model's <c>lang_to_id</c>.
/// </summary>
public static class WhisperLanguages
{
    /// <summary>Language codes and English names, in Whisper's token order.</summary>
    public static IReadOnlyList<(string Code, string Name)> All { get; } =
    [
        ("en", "english"), ("zh", "chinese"), ("de", "german"), ("es", "spanish"), ("ru", "russian"), ("ko", "korean"),
        ("fr", "french"), ("ja", "japanese"), ("pt", "portuguese"), ("tr", "turkish"), ("pl", "polish"), ("ca", "catalan"),
        ("nl", "dutch"), ("ar", "arabic"), ("sv", "swedish"), ("it", "italian"), ("id", "indonesian"), ("hi", "hindi"),
        ("fi", "finnish"), ("vi", "vietnamese"), ("he", "hebrew"), ("uk", "ukrainian"), ("el", "greek"), ("ms", "malay"),
        ("cs", "czech"), ("ro", "romanian"), ("da", "danish"), ("hu", "hungarian"), ("ta", "tamil"), ("no", "norwegian"),
        ("th", "thai"), ("ur", "urdu"), ("hr", "croatian"), ("bg", "bulgarian"), ("lt", "lithuanian"), ("la", "latin"),
        ("mi", "maori"), ("ml", "malayalam"), ("cy", "welsh"), ("sk", "slovak"), ("te", "telugu"), ("fa", "persian"),
        ("lv", "latvian"), ("bn", "bengali"), ("sr", "serbian"), ("az", "azerbaijani"), ("sl", "slovenian"), ("kn", "kannada"),
        ("et", "estonian"), ("mk", "macedonian"), ("br", "breton"), ("eu", "basque"), ("is", "icelandic"), ("hy", "armenian"),
        ("ne", "nepali"), ("mn", "mongolian"), ("bs", "bosnian"), ("kk", "kazakh"), ("sq", "albanian"), ("sw", "swahili"),
        ("gl", "galician"), ("mr", "marathi"), ("pa", "punjabi"), ("si", "sinhala"), ("km", "khmer"), ("sn", "shona"),
        ("yo", "yoruba"), ("so", "somali"), ("af", "afrikaans"), ("oc", "occitan"), ("ka", "georgian"), ("be", "belarusian"),
        ("tg", "tajik"), ("sd", "sindhi"), ("gu", "gujarati"), ("am", "amharic"), ("yi", "yiddish"), ("lo", "lao"),
        ("uz", "uzbek"), ("fo", "faroese"), ("ht", "haitian creole"), ("ps", "pashto"), ("tk", "turkmen"), ("nn", "nynorsk"),
        ("mt", "maltese"), ("sa", "sanskrit"), ("lb", "luxembourgish"), ("my", "myanmar"), ("bo", "tibetan"), ("tl", "tagalog"),
        ("mg", "malagasy"), ("as", "assamese"), ("tt", "tatar"), ("haw", "hawaiian"), ("ln", "lingala"), ("ha", "hausa"),
        ("ba", "bashkir"), ("jw", "javanese"), ("su", "sundanese"), ("yue", "cantonese"),
    ];

    /// <summary>Every name transformers accepts, to its code (the English names and the alternative names).</summary>
    public static IReadOnlyDictionary<string, string> NameToCode { get; } = BuildNames();

    /// <summary>
    /// The language token id for a <c>language</c> argument (a token, an English name or a code, any case).
    /// </summary>
    /// <param name="language">The request's language.</param>
    /// <param name="langToId">The model's <c>lang_to_id</c> (token → id).</param>
    /// <exception cref="EngineException">The language is unknown, or this model has no token for it (kind bad input).</exception>
    public static int TokenId(string language, IReadOnlyDictionary<string, int> langToId)
    {
        ArgumentNullException.ThrowIfNull(language);
        ArgumentNullException.ThrowIfNull(langToId);
        var lowered = language.Trim().ToLowerInvariant();
        string token;
        if (langToId.ContainsKey(lowered))
        {
            token = lowered;
        }
        else if (NameToCode.TryGetValue(lowered, out var code))
        {
            token = $"<|{code}|>";
        }
        else if (All.Any(l => l.Code == lowered))
        {
            token = $"<|{lowered}|>";
        }
        else
        {
            throw EngineException.BadInput(
                $"Unsupported language '{language}'. Give a language name (english, french, ...) or code (en, fr, ...): one of {string.Join(", ", All.Select(l => l.Code))}.");
        }

        return langToId.TryGetValue(token, out var id)
            ? id
            : throw EngineException.BadInput($"The language {token} is not one this model knows (its generation_config.json lang_to_id lacks it).");
    }

    /// <summary>The code of a language token (<c>&lt;|fr|&gt;</c> → <c>fr</c>).</summary>
    public static string CodeOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal) ? token[2..^2] : token;
    }

    private static Dictionary<string, string> BuildNames()
    {
        var names = All.ToDictionary(l => l.Name, l => l.Code, StringComparer.Ordinal);
        foreach (var (name, code) in new[]
        {
            ("burmese", "my"), ("valencian", "ca"), ("flemish", "nl"), ("haitian", "ht"), ("letzeburgesch", "lb"), ("pushto", "ps"),
            ("panjabi", "pa"), ("moldavian", "ro"), ("moldovan", "ro"), ("sinhalese", "si"), ("castilian", "es"), ("mandarin", "zh"),
        })
        {
            names[name] = code;
        }

        return names;
    }
}
