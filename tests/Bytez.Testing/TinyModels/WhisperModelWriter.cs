using System.Globalization;
using System.Text.Json.Nodes;
using Onnx;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Testing.TinyModels;

/// <summary>What <see cref="WhisperModelWriter.Write"/> builds.</summary>
public sealed record WhisperModelOptions
{
    /// <summary>A multilingual model (language and task tokens, <c>lang_to_id</c>, <c>task_to_id</c>); else English-only.</summary>
    public bool Multilingual { get; init; } = true;

    /// <summary>The decoder files.</summary>
    public Seq2SeqWriterLayout Layout { get; init; } = Seq2SeqWriterLayout.Merged;

    /// <summary>Mel bins of <c>input_features</c> (80, or 128 as large-v3).</summary>
    public int MelBins { get; init; } = 80;
}

/// <summary>A tiny Whisper folder written by <see cref="WhisperModelWriter"/>.</summary>
public sealed record WhisperModel(string Folder, WhisperModelOptions Options);

/// <summary>
/// Writes, at test time, a tiny Whisper in the Optimum layout (<c>onnx/encoder_model.onnx</c> on <c>input_features</c>
/// [batch, mel bins, 3000], <c>onnx/decoder_model_merged.onnx</c> with a key/value cache; <c>config.json</c> with
/// <c>model_type</c> whisper and <c>max_target_positions</c> 448, <c>generation_config.json</c> with <c>lang_to_id</c>,
/// <c>task_to_id</c>, <c>no_timestamps_token_id</c>, <c>suppress_tokens</c> [yes, and the start, language, task,
/// startoflm, startofprev and nospeech tokens 11–19 as Whisper's own list suppresses its special tokens] and <c>begin_suppress_tokens</c>
/// [Ġ, EOS], a byte-level <c>tokenizer.json</c>) whose answers are known by design.
/// <para>
/// Vocabulary (64, Whisper's order): words 0–9 (<c>Ġhello Ġworld Ġbonjour Ġmonde Ġyes Ġno Ġthe Ġend Ġ .</c>, text below
/// EOS), <c>&lt;|endoftext|&gt;</c> 10, <c>&lt;|startoftranscript|&gt;</c> 11, <c>&lt;|en|&gt;</c> 12, <c>&lt;|fr|&gt;</c> 13,
/// <c>&lt;|de|&gt;</c> 14, <c>&lt;|translate|&gt;</c> 15, <c>&lt;|transcribe|&gt;</c> 16, <c>&lt;|startoflm|&gt;</c> 17,
/// <c>&lt;|startofprev|&gt;</c> 18, <c>&lt;|nospeech|&gt;</c> 19, <c>&lt;|notimestamps|&gt;</c> 20, timestamps
/// <c>&lt;|0.00|&gt;</c> … <c>&lt;|0.84|&gt;</c> 21–63.
/// </para>
/// <para>
/// The encoder's one state holds in channel 0 whether the low mel bins (first half) are louder than the high bins, and in
/// channel 1 the opposite: with d = mean(low bins) − mean(high bins) over all frames, channel 0 = min(1, max(0, 100 d))
/// and channel 1 = min(1, max(0, −100 d)). <see cref="EnglishFeatures"/> (low bins 1) give (1, 0), <see cref="FrenchFeatures"/>
/// (high bins 1) (0, 1), equal bins (silence) (0, 0); through Whisper's log-mel front end a window holding a low tone
/// (below ~1.7 kHz, the first 40 of 80 mel bins) and silence is "English", one holding a high tone and silence "French"
/// (<c>preprocessor_config.json</c> is written for <c>WhisperFeatureExtractor</c>: 16 kHz, 30 s windows). The decoder's logits
/// are <c>Table[last] + low × (hello 10, en 6) + high × (bonjour 10, fr 6) + 15 × hello once translate is in the
/// history</c>, with: after the start token de 1 (so the language is en or fr by the audio); after
/// <c>&lt;|notimestamps|&gt;</c> Ġ 12 and EOS 11 (both begin-suppressed); hello → world 20; bonjour → monde 20; world and
/// monde → yes 25 (suppressed) and EOS 20; world also → timestamps 0.20–0.58 19 each and 0.40 19.5; yes → EOS 20;
/// after transcribe or translate (the last prompt token with timestamps) <c>&lt;|0.00|&gt;</c> 5; after any timestamp EOS 8.
/// </para>
/// <para>Expected, greedy: English audio " hello world"; French " bonjour monde", translated " hello world";
/// with timestamps <c>&lt;|0.00|&gt; hello world &lt;|0.40|&gt;</c> (0.40 by the probability-sum rule: no single
/// timestamp beats EOS 20, together they do); without <c>suppress_tokens</c> " hello world yes".</para>
/// </summary>
public static class WhisperModelWriter
{
    /// <summary>Logits per position.</summary>
    public const int VocabularySize = 64;

    /// <summary>Frames of <c>input_features</c>.</summary>
    public const int Frames = 3000;

    /// <summary>The end of text (EOS).</summary>
    public const int EndOfText = 10;

    /// <summary><c>&lt;|startoftranscript|&gt;</c>.</summary>
    public const int StartOfTranscript = 11;

    /// <summary><c>&lt;|en|&gt;</c>.</summary>
    public const int English = 12;

    /// <summary><c>&lt;|fr|&gt;</c>.</summary>
    public const int French = 13;

    /// <summary><c>&lt;|de|&gt;</c>.</summary>
    public const int German = 14;

    /// <summary><c>&lt;|translate|&gt;</c>.</summary>
    public const int Translate = 15;

    /// <summary><c>&lt;|transcribe|&gt;</c>.</summary>
    public const int Transcribe = 16;

    /// <summary><c>&lt;|notimestamps|&gt;</c>.</summary>
    public const int NoTimestamps = 20;

    /// <summary><c>&lt;|0.00|&gt;</c>.</summary>
    public const int TimestampBegin = 21;

    private const int Heads = 4;
    private const int HeadDim = 16;

    /// <summary>The word tokens (ids 0–9), in byte-level form.</summary>
    public static IReadOnlyList<string> Words { get; } = ["Ġhello", "Ġworld", "Ġbonjour", "Ġmonde", "Ġyes", "Ġno", "Ġthe", "Ġend", "Ġ", "."];

    /// <summary>The id of a word (<c>hello</c>) or of a special token (<c>&lt;|fr|&gt;</c>, <c>&lt;|0.40|&gt;</c>).</summary>
    public static int Id(string token)
    {
        var word = Words.ToList().IndexOf("Ġ" + token);
        if (word >= 0)
        {
            return word;
        }

        var special = Specials.ToList().IndexOf(token);
        return special >= 0 ? EndOfText + special : throw new ArgumentException(token, nameof(token));
    }

    /// <summary>The special tokens from id 10 on, timestamps last.</summary>
    public static IReadOnlyList<string> Specials { get; } =
    [
        "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|fr|>", "<|de|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>",
        "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>",
        .. Enumerable.Range(0, VocabularySize - TimestampBegin).Select(i => string.Create(CultureInfo.InvariantCulture, $"<|{i * 0.02:0.00}|>")),
    ];

    /// <summary>One row of <c>input_features</c> [mel bins, 3000] whose low mel bins are 1 and high bins 0: the "English" audio.</summary>
    public static float[] EnglishFeatures(int melBins = 80) => Features(melBins, low: 1, high: 0);

    /// <summary>One row of <c>input_features</c> whose high mel bins are 1 and low bins 0: the "French" audio.</summary>
    public static float[] FrenchFeatures(int melBins = 80) => Features(melBins, low: 0, high: 1);

    /// <summary>
    /// <paramref name="seconds"/> of a 500 Hz tone at 16 kHz, amplitude 0.5: through Whisper's log-mel its energy is in
    /// the low mel bins, so a window holding it (and otherwise silence) is the "English" audio.
    /// </summary>
    public static float[] LowTone(double seconds) => Tone(500, seconds);

    /// <summary><paramref name="seconds"/> of a 4 kHz tone at 16 kHz, amplitude 0.5: high mel bins, the "French" audio.</summary>
    public static float[] HighTone(double seconds) => Tone(4000, seconds);

    /// <summary><paramref name="seconds"/> of silence at 16 kHz.</summary>
    public static float[] Silence(double seconds) => new float[(int)Math.Round(seconds * 16000)];

    private static float[] Tone(double frequency, double seconds)
    {
        var samples = new float[(int)Math.Round(seconds * 16000)];
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = 0.5f * (float)Math.Sin(2 * Math.PI * frequency * n / 16000);
        }

        return samples;
    }

    /// <summary>A row of <c>input_features</c>: the first half of the mel bins <paramref name="low"/>, the others <paramref name="high"/>.</summary>
    public static float[] Features(int melBins, float low, float high)
    {
        var values = new float[melBins * Frames];
        for (var m = 0; m < melBins; m++)
        {
            Array.Fill(values, m < melBins / 2 ? low : high, m * Frames, Frames);
        }

        return values;
    }

    /// <summary>Writes the model folder (created when missing).</summary>
    public static WhisperModel Write(string folder, WhisperModelOptions? options = null)
    {
        options ??= new WhisperModelOptions();
        var onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        Save(Path.Combine(onnx, "encoder_model.onnx"), Encoder(options.MelBins));
        var (table, source, history) = (Table(), SourceBias(), HistoryBias());
        switch (options.Layout)
        {
            case Seq2SeqWriterLayout.Merged:
                Save(Path.Combine(onnx, "decoder_model_merged.onnx"), Decoder(DecoderKind.Merged, table, source, history, Heads, HeadDim, encoderMask: false));
                break;
            case Seq2SeqWriterLayout.Split:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history, Heads, HeadDim, encoderMask: false));
                Save(Path.Combine(onnx, "decoder_with_past_model.onnx"), Decoder(DecoderKind.WithPast, table, source, history, Heads, HeadDim, encoderMask: false));
                break;
            default:
                Save(Path.Combine(onnx, "decoder_model.onnx"), Decoder(DecoderKind.First, table, source, history, Heads, HeadDim, encoderMask: false));
                break;
        }

        WriteJson(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["architectures"] = new JsonArray("WhisperForConditionalGeneration"),
            ["model_type"] = "whisper",
            ["is_encoder_decoder"] = true,
            ["d_model"] = Heads * HeadDim,
            ["decoder_attention_heads"] = Heads,
            ["encoder_attention_heads"] = Heads,
            ["decoder_layers"] = 2,
            ["encoder_layers"] = 2,
            ["num_mel_bins"] = options.MelBins,
            ["max_source_positions"] = 1500,
            ["max_target_positions"] = 448,
            ["vocab_size"] = VocabularySize,
            ["decoder_start_token_id"] = StartOfTranscript,
            ["eos_token_id"] = EndOfText,
            ["bos_token_id"] = EndOfText,
            ["pad_token_id"] = EndOfText,
            ["transformers_version"] = "4.57.0",
        });
        var generation = new JsonObject
        {
            ["decoder_start_token_id"] = StartOfTranscript,
            ["bos_token_id"] = EndOfText,
            ["eos_token_id"] = EndOfText,
            ["pad_token_id"] = EndOfText,
            ["no_timestamps_token_id"] = NoTimestamps,
            ["max_initial_timestamp_index"] = 50,
            ["max_length"] = 448,
            ["suppress_tokens"] = new JsonArray([Id("yes"), .. Enumerable.Range(StartOfTranscript, NoTimestamps - StartOfTranscript).Select(i => (JsonNode?)i)]),
            ["begin_suppress_tokens"] = new JsonArray(Id(string.Empty), EndOfText),
            ["is_multilingual"] = options.Multilingual,
            ["transformers_version"] = "4.57.0",
        };
        if (options.Multilingual)
        {
            generation["lang_to_id"] = new JsonObject { ["<|en|>"] = English, ["<|fr|>"] = French, ["<|de|>"] = German };
            generation["task_to_id"] = new JsonObject { ["translate"] = Translate, ["transcribe"] = Transcribe };
        }

        WriteJson(Path.Combine(folder, "generation_config.json"), generation);
        WriteJson(Path.Combine(folder, "preprocessor_config.json"), new JsonObject
        {
            ["feature_extractor_type"] = "WhisperFeatureExtractor",
            ["feature_size"] = options.MelBins,
            ["sampling_rate"] = 16000,
            ["hop_length"] = 160,
            ["chunk_length"] = 30,
            ["n_fft"] = 400,
            ["n_samples"] = 480000,
            ["nb_max_frames"] = Frames,
            ["padding_side"] = "right",
            ["padding_value"] = 0.0,
            ["return_attention_mask"] = false,
            ["processor_class"] = "WhisperProcessor",
        });
        WriteJson(Path.Combine(folder, "tokenizer.json"), Tokenizer());
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = "<|endoftext|>",
            ["eos_token"] = "<|endoftext|>",
            ["unk_token"] = "<|endoftext|>",
            ["pad_token"] = "<|endoftext|>",
            ["model_max_length"] = 1024,
            ["tokenizer_class"] = "WhisperTokenizer",
        });
        return new WhisperModel(folder, options);
    }

    private static float[][] Zeros() => Enumerable.Range(0, VocabularySize).Select(_ => new float[VocabularySize]).ToArray();

    private static float[][] Table()
    {
        var t = Zeros();
        t[StartOfTranscript][German] = 1;
        t[NoTimestamps][Id(string.Empty)] = 12;
        t[NoTimestamps][EndOfText] = 11;
        t[Id("hello")][Id("world")] = 20;
        t[Id("bonjour")][Id("monde")] = 20;
        foreach (var end in new[] { Id("world"), Id("monde") })
        {
            t[end][Id("yes")] = 25;
            t[end][EndOfText] = 20;
        }

        for (var ts = Id("<|0.20|>"); ts <= Id("<|0.58|>"); ts++)
        {
            t[Id("world")][ts] = 19;
        }

        t[Id("world")][Id("<|0.40|>")] = 19.5f;

        t[Id("yes")][EndOfText] = 20;
        t[Transcribe][TimestampBegin] = 5;
        t[Translate][TimestampBegin] = 5;
        for (var ts = TimestampBegin; ts < VocabularySize; ts++)
        {
            t[ts][EndOfText] = 8;
        }

        return t;
    }

    /// <summary>Channel 0 of the encoder state (low bins) and channel 1 (high bins) to the logits they raise.</summary>
    private static float[][] SourceBias()
    {
        var s = Zeros();
        s[0][Id("hello")] = 10;
        s[0][English] = 6;
        s[1][Id("bonjour")] = 10;
        s[1][French] = 6;
        return s;
    }

    private static float[][] HistoryBias()
    {
        var h = Zeros();
        h[Translate][Id("hello")] = 15;
        return h;
    }

    /// <summary>input_features [b, bins, 3000] → mean over frames → [b, bins] · D [bins, 64] (±100 / half the bins) → clipped to [0, 1] → [b, 1, 64].</summary>
    private static ModelProto Encoder(int melBins)
    {
        var b = new Builder("tiny_whisper_encoder");
        var g = b.Graph;
        b.Input(g, "input_features", Builder.Float, "batch_size", melBins, Frames);
        b.Output(g, "last_hidden_state", Builder.Float, "batch_size", "encoder_sequence_length", VocabularySize);
        var bands = Enumerable.Range(0, melBins).Select(m =>
        {
            var row = new float[VocabularySize];
            var weight = 100f / (melBins / 2);
            row[0] = m < melBins / 2 ? weight : -weight;
            row[1] = -row[0];
            return row;
        }).ToArray();
        var mean = b.Node(g, "ReduceMean", ["input_features", b.Ints("frame_axis", [2])], n => Builder.IntAttr(n, "keepdims", 0));
        var difference = b.Node(g, "Relu", [b.Node(g, "MatMul", [mean, b.Matrix("bands", bands)])]);
        var state = b.Node(g, "Min", [difference, b.Matrix("one", [[1f]])]);
        b.Node(g, "Unsqueeze", [state, b.Ints("position_axis", [1])], output: "last_hidden_state");
        return b.Model();
    }

    private static JsonObject Tokenizer()
    {
        var vocab = new JsonObject();
        for (var i = 0; i < Words.Count; i++)
        {
            vocab[Words[i]] = i;
        }

        var added = new JsonArray();
        for (var i = 0; i < Specials.Count; i++)
        {
            var timestamp = EndOfText + i >= TimestampBegin;
            added.Add(new JsonObject
            {
                ["id"] = EndOfText + i,
                ["content"] = Specials[i],
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = timestamp,
                ["special"] = !timestamp,
            });
        }

        JsonObject ByteLevel(bool addPrefixSpace) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = true, ["use_regex"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(false),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(),
            },
        };
    }
}
