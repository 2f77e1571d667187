using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny Audio Spectrogram Transformer-shaped classifier written by <see cref="AstAudioClassifierModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Labels">The labels in id order: <c>low</c>, <c>mid</c>, <c>high</c>.</param>
public sealed record AstAudioClassifierModel(string Folder, IReadOnlyList<string> Labels)
{
    /// <summary>Kaldi mel bins of the features (<c>num_mel_bins</c>, AudioSet's AST).</summary>
    public const int MelBins = 128;

    /// <summary>Frames of the features (<c>max_length</c>, AudioSet's AST: 10.24 s).</summary>
    public const int Frames = 1024;

    /// <summary>The frequency range in Hz of each label's band, in label order: low 300–700, mid 1200–2000, high 3000–5000.</summary>
    public static readonly (double From, double To)[] BandsHz = [(300, 700), (1200, 2000), (3000, 5000)];

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>
    /// The mel bins of a label's band: those whose centre lies in <see cref="BandsHz"/>, on the Kaldi mel scale
    /// (1127 ln(1 + f / 700)) that <c>ASTFeatureExtractor</c> spaces its 128 bins on, from 20 Hz to 8 kHz (bin k is
    /// centred on the (k + 1)-th of 130 evenly spaced mel points).
    /// </summary>
    public static int[] Band(int label)
    {
        static double Mel(double hz) => 1127 * Math.Log(1 + (hz / 700));
        double low = Mel(20), step = (Mel(8000) - low) / (MelBins + 1);
        var (from, to) = BandsHz[label];
        return Enumerable.Range(0, MelBins).Where(k => low + ((k + 1) * step) is var c && c >= Mel(from) && c <= Mel(to)).ToArray();
    }

    /// <summary>
    /// The design: logit of a label = the mean, over all <see cref="Frames"/> frames, of the features in its band
    /// (<c>input_values</c> row-major [frames, bins]). A tone in a band raises that band's fbank values above the others,
    /// so its label wins; the padding frames add the same constant to every logit.
    /// </summary>
    public static float[] Logits(ReadOnlySpan<float> inputValues)
    {
        var logits = new float[BandsHz.Length];
        for (var label = 0; label < logits.Length; label++)
        {
            var band = Band(label);
            double sum = 0;
            for (var f = 0; f < Frames; f++)
            {
                foreach (var k in band)
                {
                    sum += inputValues[(f * MelBins) + k];
                }
            }

            logits[label] = (float)(sum / (Frames * band.Length));
        }

        return logits;
    }
}

/// <summary>
/// Writes a tiny audio classifier in the layout of <c>MIT/ast-finetuned-audioset-10-10-0.4593</c> (Xenova's export):
/// <c>config.json</c> (<c>ASTForAudioClassification</c>, <c>audio-spectrogram-transformer</c>, labels low/mid/high),
/// <c>preprocessor_config.json</c> (<c>ASTFeatureExtractor</c>: 128 Kaldi mel bins, 1024 frames, 16 kHz, the AudioSet
/// mean and std) and <c>onnx/model.onnx</c>: <c>input_values</c> float32 [batch, 1024, 128] (the shape Optimum exports
/// for AST) → <c>logits</c> [batch, 3], the band means of <see cref="AstAudioClassifierModel.Logits"/> (a mean over the
/// frames, then a matrix that averages each band's bins).
/// </summary>
public static class AstAudioClassifierModelWriter
{
    /// <summary>The labels.</summary>
    public static readonly IReadOnlyList<string> Labels = ["low", "mid", "high"];

    /// <summary>Writes the folder (created when missing).</summary>
    public static AstAudioClassifierModel Write(string folder)
    {
        const int bins = AstAudioClassifierModel.MelBins;
        var weights = new float[bins * Labels.Count];
        for (var label = 0; label < Labels.Count; label++)
        {
            var band = AstAudioClassifierModel.Band(label);
            foreach (var k in band)
            {
                weights[(k * Labels.Count) + label] = 1f / band.Length;
            }
        }

        var graph = new OnnxGraphBuilder("tiny_ast");
        var features = graph.Input("input_values", FloatType, "batch_size", AstAudioClassifierModel.Frames, bins);
        var frameMeans = graph.Node("ReduceMean", [features], n => { IntList(n, "axes", 1); Int(n, "keepdims", 0); });
        graph.Node("MatMul", [frameMeans, graph.Floats("bands", [bins, Labels.Count], weights)], output: "logits");
        graph.Output("logits", FloatType, "batch_size", Labels.Count);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        MediaModelFolders.WriteConfig(folder, "ASTForAudioClassification", "audio-spectrogram-transformer", Labels, new JsonObject
        {
            ["frequency_stride"] = 10,
            ["time_stride"] = 10,
            ["patch_size"] = 16,
            ["max_length"] = AstAudioClassifierModel.Frames,
            ["num_mel_bins"] = bins,
            ["hidden_size"] = 8,
            ["num_attention_heads"] = 1,
            ["num_hidden_layers"] = 1,
        });
        MediaModelFolders.WritePreprocessor(folder, new JsonObject
        {
            ["do_normalize"] = true,
            ["feature_extractor_type"] = "ASTFeatureExtractor",
            ["feature_size"] = 1,
            ["max_length"] = AstAudioClassifierModel.Frames,
            ["mean"] = -4.2677393,
            ["num_mel_bins"] = bins,
            ["padding_side"] = "right",
            ["padding_value"] = 0.0,
            ["return_attention_mask"] = false,
            ["sampling_rate"] = 16000,
            ["std"] = 4.5689974,
        });
        return new AstAudioClassifierModel(folder, Labels);
    }
}
