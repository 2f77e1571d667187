using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny audio classifier written by <see cref="AudioClassifierModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Labels">The labels in id order: <c>quiet</c>, <c>loud</c>.</param>
public sealed record AudioClassifierModel(string Folder, IReadOnlyList<string> Labels)
{
    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>
    /// The design: with p the mean of the squared samples (the power), logits = [0, 100·p − 1]: <c>loud</c> wins when
    /// p &gt; 0.01 (an RMS over 0.1: a sine of amplitude 0.5 has p = 0.125, logits [0, 11.5]); silence gives [0, −1].
    /// </summary>
    public static float[] Logits(ReadOnlySpan<float> samples)
    {
        double power = 0;
        foreach (var x in samples)
        {
            power += (double)x * x;
        }

        power /= samples.Length;
        return [0f, (float)((100 * power) - 1)];
    }
}

/// <summary>
/// Writes a tiny audio classifier in the layout of <c>superb/wav2vec2-base-superb-ks</c> (Xenova's export):
/// <c>config.json</c> (<c>Wav2Vec2ForSequenceClassification</c>, <c>wav2vec2</c>, labels quiet/loud),
/// <c>preprocessor_config.json</c> (<c>Wav2Vec2FeatureExtractor</c>, 16 kHz; <c>do_normalize</c> false by default,
/// because a per-utterance normalization would give every clip the same loudness) and <c>onnx/model.onnx</c>:
/// <c>input_values</c> float32 [batch, samples] → <c>logits</c> [batch, 2] from the clip's power
/// (<see cref="AudioClassifierModel.Logits"/>).
/// </summary>
public static class AudioClassifierModelWriter
{
    /// <summary>The labels.</summary>
    public static readonly IReadOnlyList<string> Labels = ["quiet", "loud"];

    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="doNormalize">The feature extractor's <c>do_normalize</c> (leave false for the design to hold).</param>
    public static AudioClassifierModel Write(string folder, bool doNormalize = false)
    {
        var graph = new OnnxGraphBuilder("tiny_wav2vec2_ks");
        var samples = graph.Input("input_values", FloatType, "batch_size", "sequence_length");
        var power = graph.Node("ReduceMean", [graph.Node("Mul", [samples, samples])], n => { IntList(n, "axes", 1); Int(n, "keepdims", 1); });
        graph.Node("Add", [graph.Node("MatMul", [power, graph.Floats("w", [1, 2], [0f, 100f])]), graph.Floats("b", [2], [0f, -1f])], output: "logits");
        graph.Output("logits", FloatType, "batch_size", 2);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        var extra = MediaModelFolders.Wav2Vec2Entries();
        extra["use_weighted_layer_sum"] = false;
        extra["classifier_proj_size"] = 8;
        MediaModelFolders.WriteConfig(folder, "Wav2Vec2ForSequenceClassification", "wav2vec2", Labels, extra);
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.Wav2Vec2FeatureExtractor(doNormalize));
        return new AudioClassifierModel(folder, Labels);
    }
}
