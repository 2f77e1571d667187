using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny VITS-shaped text-to-speech model written by <see cref="VitsModelWriter"/>, with its design.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Ids">The vocabulary (<c>vocab.json</c>): character to id.</param>
/// <param name="SamplingRate">The <c>sampling_rate</c> of its <c>config.json</c>.</param>
public sealed record VitsTinyModel(string Folder, IReadOnlyDictionary<string, int> Ids, int SamplingRate)
{
    /// <summary>Samples each input id is held for.</summary>
    public const int SamplesPerToken = 4;

    /// <summary>The characters of the vocabulary; <c>k</c> has id 0 (the blank put between characters), as in facebook/mms-tts-eng.</summary>
    public const string Characters = "k '-abcdefghijlmnopqrstuvwxyz";

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The number of vocabulary entries, the divisor of the amplitudes.</summary>
    public int VocabularySize => Ids.Count;

    /// <summary>The ids of a token string written one character per token (<c>"khkik"</c> → [0, h, 0, i, 0]).</summary>
    public long[] IdsOf(string tokens) => [.. tokens.Select(c => (long)Ids[c.ToString()])];

    /// <summary>
    /// The waveform the design gives for some input ids: each id held for <see cref="SamplesPerToken"/> samples at the
    /// amplitude id / <see cref="VocabularySize"/> (float32 division, as the graph computes it).
    /// </summary>
    public float[] Waveform(IReadOnlyList<long> ids)
    {
        var samples = new float[ids.Count * SamplesPerToken];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)ids[i / SamplesPerToken] / VocabularySize;
        }

        return samples;
    }
}

/// <summary>
/// Writes a tiny text-to-speech model in the layout of <c>Xenova/mms-tts-eng</c>: <c>config.json</c>
/// (<c>VitsModel</c>, <c>vits</c>, <c>sampling_rate</c>, the noise and speed scales), <c>vocab.json</c> (keys sorted, as
/// <c>VitsTokenizer.save_vocabulary</c> writes it; <c>k</c> is id 0), <c>tokenizer_config.json</c> (<c>VitsTokenizer</c>,
/// <c>add_blank</c>, <c>normalize</c>, <c>phonemize</c>, <c>is_uroman</c>, <c>language</c> eng, <c>&lt;pad&gt;</c> and
/// <c>&lt;unk&gt;</c> outside the vocabulary), <c>special_tokens_map.json</c> and <c>onnx/model.onnx</c>:
/// <c>input_ids</c>, <c>attention_mask</c> int64 [batch, tokens] → <c>waveform</c> float32 [batch, tokens·4], each
/// id (times its mask) held for four samples at the amplitude id / vocabulary size. The expected samples follow from
/// the tokenizer's ids in closed form (<see cref="VitsTinyModel.Waveform"/>): blanks are silence, every character a
/// step of its own height.
/// </summary>
public static class VitsModelWriter
{
    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="samplingRate">The <c>sampling_rate</c> of <c>config.json</c> (16000 in MMS-TTS).</param>
    /// <param name="phonemize">The tokenizer's <c>phonemize</c> (false in MMS-TTS; true in the original VITS checkpoints).</param>
    /// <param name="addBlank">The tokenizer's <c>add_blank</c>.</param>
    public static VitsTinyModel Write(string folder, int samplingRate = 16000, bool phonemize = false, bool addBlank = true)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in VitsTinyModel.Characters)
        {
            ids[c.ToString()] = ids.Count;
        }

        var graph = new OnnxGraphBuilder("tiny_vits");
        var inputIds = graph.Input("input_ids", Int64Type, "batch_size", "sequence_length");
        var mask = graph.Input("attention_mask", Int64Type, "batch_size", "sequence_length");
        var idValues = graph.Node("Cast", [inputIds], n => Int(n, "to", FloatType));
        var maskValues = graph.Node("Cast", [mask], n => Int(n, "to", FloatType));
        var amplitude = graph.Node("Div", [graph.Node("Mul", [idValues, maskValues]), graph.Floats("vocabulary_size", [1], [ids.Count])]);
        var held = graph.Node("Tile", [graph.Node("Unsqueeze", [amplitude, graph.Ints("sample_axis", 2)]), graph.Ints("repeats", 1, 1, VitsTinyModel.SamplesPerToken)]);
        graph.Node("Reshape", [held, graph.Ints("flat", 0, -1)], output: "waveform");
        graph.Output("waveform", FloatType, "batch_size", "num_samples");
        graph.Save(MediaModelFolders.OnnxPath(folder));

        MediaModelFolders.WriteConfig(folder, "VitsModel", "vits", null, new JsonObject
        {
            ["sampling_rate"] = samplingRate,
            ["vocab_size"] = ids.Count,
            ["noise_scale"] = 0.667,
            ["noise_scale_duration"] = 0.8,
            ["speaking_rate"] = 1.0,
            ["upsample_rates"] = new JsonArray(8, 8, 2, 2),
        });

        var vocab = new JsonObject();
        foreach (var (character, id) in ids.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            vocab[character] = id;
        }

        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "vocab.json"), vocab);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
        {
            ["add_blank"] = addBlank,
            ["clean_up_tokenization_spaces"] = true,
            ["is_uroman"] = false,
            ["language"] = "eng",
            ["model_max_length"] = 1000000000000000019884624838656.0,
            ["normalize"] = true,
            ["pad_token"] = "<pad>",
            ["phonemize"] = phonemize,
            ["tokenizer_class"] = "VitsTokenizer",
            ["unk_token"] = "<unk>",
        });
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "special_tokens_map.json"), new JsonObject
        {
            ["pad_token"] = "<pad>",
            ["unk_token"] = "<unk>",
        });
        return new VitsTinyModel(folder, ids, samplingRate);
    }
}
