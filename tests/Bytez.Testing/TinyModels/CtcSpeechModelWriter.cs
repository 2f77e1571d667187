using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny CTC speech model written by <see cref="CtcSpeechModelWriter"/>, with the signals its design reads.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Vocabulary">The tokens by id (<c>vocab.json</c>): <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>, <c>|</c>, A–Z.</param>
public sealed record CtcSpeechModel(string Folder, IReadOnlyList<string> Vocabulary)
{
    /// <summary>Samples per logit frame (wav2vec2's <c>inputs_to_logits_ratio</c>).</summary>
    public const int FrameSamples = 320;

    /// <summary>The sampling rate.</summary>
    public const int SamplingRate = 16000;

    /// <summary>The blank (pad) token's id.</summary>
    public const int BlankId = 0;

    /// <summary>The constant logit of the blank: a frame whose tone energy stays under it (amplitude under 0.1) is blank.</summary>
    public const float BlankLogit = 0.01f;

    /// <summary>The characters that have a tone, in order: <c>|</c> (word delimiter), then A to Z.</summary>
    public const string Letters = "|ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The tone of a character: <c>|</c> 250 Hz, A 500 Hz, B 750 Hz, ... Z 6750 Hz (a whole number of cycles per frame).</summary>
    public static int FrequencyOf(char letter)
    {
        var index = Letters.IndexOf(letter, StringComparison.Ordinal);
        return index < 0 ? throw new ArgumentException($"'{letter}' has no tone; the letters are {Letters}.", nameof(letter)) : 250 * (index + 1);
    }

    /// <summary>The vocabulary id of a character (<c>|</c> 4, A 5, ..., Z 30).</summary>
    public static int IdOf(char letter) => 4 + Letters.IndexOf(letter, StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="frames"/> frames (320 samples each) of the tone of <paramref name="letter"/> at 16 kHz with the
    /// given amplitude: every such frame's argmax is the letter.
    /// </summary>
    public static float[] Tone(char letter, int frames, float amplitude = 0.5f)
    {
        var frequency = FrequencyOf(letter);
        var samples = new float[frames * FrameSamples];
        for (var n = 0; n < samples.Length; n++)
        {
            samples[n] = amplitude * (float)Math.Sin(2 * Math.PI * frequency * n / SamplingRate);
        }

        return samples;
    }

    /// <summary><paramref name="frames"/> frames of silence: every such frame's argmax is the blank.</summary>
    public static float[] Silence(int frames) => new float[frames * FrameSamples];

    /// <summary>
    /// The design, per frame of 320 samples: logit of character c = (2/320)² · ((Σ x·sin ω_c n)² + (Σ x·cos ω_c n)²),
    /// the energy of the frame at c's tone (A² for a tone of amplitude A, ~0 for the others: whole numbers of cycles
    /// are orthogonal, and a constant offset adds nothing); the blank's logit is <see cref="BlankLogit"/>; <c>&lt;s&gt;</c>,
    /// <c>&lt;/s&gt;</c> and <c>&lt;unk&gt;</c> are −100. Frames = ⌊samples / 320⌋ (a trailing partial frame is dropped).
    /// </summary>
    public static float[][] Logits(ReadOnlySpan<float> samples)
    {
        var frames = samples.Length / FrameSamples;
        var logits = new float[frames][];
        for (var f = 0; f < frames; f++)
        {
            var row = new float[4 + Letters.Length];
            row[0] = BlankLogit;
            row[1] = row[2] = row[3] = -100f;
            for (var k = 0; k < Letters.Length; k++)
            {
                double s = 0, c = 0;
                for (var n = 0; n < FrameSamples; n++)
                {
                    var angle = 2 * Math.PI * 5 * (k + 1) * n / FrameSamples;
                    s += samples[(f * FrameSamples) + n] * Math.Sin(angle);
                    c += samples[(f * FrameSamples) + n] * Math.Cos(angle);
                }

                row[4 + k] = (float)(((s * s) + (c * c)) * (2.0 / FrameSamples) * (2.0 / FrameSamples));
            }

            logits[f] = row;
        }

        return logits;
    }
}

/// <summary>
/// Writes a tiny CTC speech model in the layout of <c>facebook/wav2vec2-base-960h</c> (Xenova's export):
/// <c>config.json</c> (<c>Wav2Vec2ForCTC</c>, <c>wav2vec2</c>, <c>conv_stride</c> multiplying to 320, vocabulary 31,
/// <c>pad_token_id</c> 0), <c>preprocessor_config.json</c> (<c>Wav2Vec2FeatureExtractor</c>, 16 kHz, <c>do_normalize</c>),
/// the tokenizer files (<c>vocab.json</c>, <c>tokenizer_config.json</c> with <c>Wav2Vec2CTCTokenizer</c> and the word
/// delimiter <c>|</c>, <c>special_tokens_map.json</c>) and <c>onnx/model.onnx</c>: <c>input_values</c> float32
/// [batch, samples] → <c>logits</c> [batch, frames, 31], each frame's letter chosen by the tone it holds (see
/// <see cref="CtcSpeechModel.Logits"/>): the tones of "HI", a silence, the tone of <c>|</c>, the tones of "BOB" decode
/// (greedy CTC: repeats merged, blanks dropped, <c>|</c> a space) to "HI BOB"; a letter said twice needs a blank frame
/// between its tones.
/// </summary>
public static class CtcSpeechModelWriter
{
    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="doNormalize">The feature extractor's <c>do_normalize</c> (true in the real repository; the design holds either way).</param>
    public static CtcSpeechModel Write(string folder, bool doNormalize = true)
    {
        const int frame = CtcSpeechModel.FrameSamples;
        var letters = CtcSpeechModel.Letters.Length;
        string[] vocabulary = ["<pad>", "<s>", "</s>", "<unk>", .. CtcSpeechModel.Letters.Select(c => c.ToString())];

        var graph = new OnnxGraphBuilder("tiny_wav2vec2_ctc");
        var samples = graph.Input("input_values", FloatType, "batch_size", "sequence_length");
        var kernels = new float[2 * letters * frame];
        for (var k = 0; k < letters; k++)
        {
            for (var n = 0; n < frame; n++)
            {
                var angle = 2 * Math.PI * 5 * (k + 1) * n / frame;
                kernels[(k * frame) + n] = (float)Math.Sin(angle);
                kernels[((letters + k) * frame) + n] = (float)Math.Cos(angle);
            }
        }

        var waves = graph.Node("Unsqueeze", [samples, graph.Ints("channel_axis", 1)]);
        var projections = graph.Node("Conv", [waves, graph.Floats("tones", [2 * letters, 1, frame], kernels)], n => IntList(n, "strides", frame));
        var energy = graph.Node("Transpose", [graph.Node("Mul", [projections, projections])], n => IntList(n, "perm", 0, 2, 1));
        var scale = (2f / frame) * (2f / frame);
        var head = new float[2 * letters * vocabulary.Length];
        for (var k = 0; k < letters; k++)
        {
            head[(k * vocabulary.Length) + 4 + k] = scale;
            head[((letters + k) * vocabulary.Length) + 4 + k] = scale;
        }

        var bias = new float[vocabulary.Length];
        bias[0] = CtcSpeechModel.BlankLogit;
        bias[1] = bias[2] = bias[3] = -100f;
        graph.Node("Add", [graph.Node("MatMul", [energy, graph.Floats("head", [2 * letters, vocabulary.Length], head)]), graph.Floats("bias", [vocabulary.Length], bias)], output: "logits");
        graph.Output("logits", FloatType, "batch_size", "frames", vocabulary.Length);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        var extra = MediaModelFolders.Wav2Vec2Entries();
        extra["vocab_size"] = vocabulary.Length;
        extra["pad_token_id"] = 0;
        extra["bos_token_id"] = 1;
        extra["eos_token_id"] = 2;
        extra["ctc_loss_reduction"] = "sum";
        MediaModelFolders.WriteConfig(folder, "Wav2Vec2ForCTC", "wav2vec2", null, extra);
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.Wav2Vec2FeatureExtractor(doNormalize));

        var vocab = new JsonObject();
        for (var i = 0; i < vocabulary.Length; i++)
        {
            vocab[vocabulary[i]] = i;
        }

        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "vocab.json"), vocab);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = "<s>",
            ["do_lower_case"] = false,
            ["eos_token"] = "</s>",
            ["pad_token"] = "<pad>",
            ["tokenizer_class"] = "Wav2Vec2CTCTokenizer",
            ["unk_token"] = "<unk>",
            ["word_delimiter_token"] = "|",
        });
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "special_tokens_map.json"), new JsonObject
        {
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
        });
        return new CtcSpeechModel(folder, vocabulary);
    }
}
