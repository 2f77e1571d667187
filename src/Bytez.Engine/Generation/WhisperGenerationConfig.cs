using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>
/// The Whisper facts of a model's <c>generation_config.json</c> (transformers 4.57 <c>WhisperGenerationMixin</c> reads
/// the same keys): the start token, <c>lang_to_id</c>, <c>task_to_id</c>, <c>is_multilingual</c>,
/// <c>no_timestamps_token_id</c> (timestamps begin right after it) and <c>max_initial_timestamp_index</c>.
/// </summary>
public sealed record WhisperGenerationConfig
{
    /// <summary><c>&lt;|startoftranscript|&gt;</c>: <c>decoder_start_token_id</c>.</summary>
    public required int StartOfTranscriptId { get; init; }

    /// <summary>Language tokens (<c>&lt;|en|&gt;</c>) to ids; empty for an English-only model.</summary>
    public IReadOnlyDictionary<string, int> LangToId { get; init; } = new Dictionary<string, int>();

    /// <summary>Tasks (<c>transcribe</c>, <c>translate</c>) to ids; empty for an English-only model.</summary>
    public IReadOnlyDictionary<string, int> TaskToId { get; init; } = new Dictionary<string, int>();

    /// <summary>Whether the model takes language and task tokens.</summary>
    public bool IsMultilingual { get; init; }

    /// <summary><c>&lt;|notimestamps|&gt;</c>.</summary>
    public required int NoTimestampsId { get; init; }

    /// <summary>The first timestamp token, <c>&lt;|0.00|&gt;</c>: <see cref="NoTimestampsId"/> + 1.</summary>
    public int TimestampBegin => NoTimestampsId + 1;

    /// <summary><c>max_initial_timestamp_index</c>: the latest timestamp a transcript may start at; <see langword="null"/> for any.</summary>
    public int? MaxInitialTimestampIndex { get; init; }

    /// <summary>The end of a transcript (<c>eos_token_id</c>).</summary>
    public required int EosTokenId { get; init; }

    /// <summary>Reads the facts from a generation configuration object.</summary>
    /// <exception cref="EngineException">A key Whisper needs is missing or malformed (kind not supported, naming it).</exception>
    public static WhisperGenerationConfig Read(Seq2SeqModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var g = info.GenerationConfig;
        int Required(string name, int? fallback = null)
            => g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
            : fallback ?? throw EngineException.NotSupported($"This Whisper model's generation_config.json lacks {name}; it is needed to build the decoder prompt.");

        var start = Required("decoder_start_token_id", info.DecoderStartTokenId);
        var noTimestamps = Required("no_timestamps_token_id");
        var eos = g.TryGetProperty("eos_token_id", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var eosId) ? eosId
            : info.EosTokenIds is [var first, ..] ? first
            : throw EngineException.NotSupported("This Whisper model states no eos_token_id.");
        var langToId = Ids(g, "lang_to_id", info.VocabularySize);
        var taskToId = Ids(g, "task_to_id", info.VocabularySize);
        var multilingual = g.TryGetProperty("is_multilingual", out var m) ? m.ValueKind == JsonValueKind.True : langToId.Count > 0;
        if (multilingual && (langToId.Count == 0 || !taskToId.ContainsKey("transcribe")))
        {
            throw EngineException.NotSupported("This multilingual Whisper model's generation_config.json lacks lang_to_id or task_to_id (with transcribe).");
        }

        if (noTimestamps + 1 >= info.VocabularySize || start >= info.VocabularySize)
        {
            throw EngineException.NotSupported($"This Whisper model's special token ids are outside its vocabulary of {info.VocabularySize}.");
        }

        int? maxInitial = g.TryGetProperty("max_initial_timestamp_index", out var mi) && mi.ValueKind == JsonValueKind.Number && mi.TryGetInt32(out var mii) ? mii : null;
        return new WhisperGenerationConfig
        {
            StartOfTranscriptId = start,
            LangToId = langToId,
            TaskToId = taskToId,
            IsMultilingual = multilingual,
            NoTimestampsId = noTimestamps,
            MaxInitialTimestampIndex = maxInitial,
            EosTokenId = eos,
        };
    }

    private static Dictionary<string, int> Ids(JsonElement g, string name, int vocabulary)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        if (g.ValueKind != JsonValueKind.Object || !g.TryGetProperty(name, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return ids;
        }

        foreach (var p in map.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0 || id >= vocabulary)
            {
                throw EngineException.NotSupported($"This Whisper model's generation_config.json {name} maps '{p.Name}' to no token id of its vocabulary.");
            }

            ids[p.Name] = id;
        }

        return ids;
    }
}
