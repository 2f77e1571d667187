using System.Numerics;

namespace Bytez.Media.Audio;

/// <summary>
/// The Audio Spectrogram Transformer's Kaldi-style filter bank, equal to transformers 4.57's <c>ASTFeatureExtractor</c>
/// on its numpy path (the one it takes when torchaudio is not installed; with torchaudio it calls
/// <c>torchaudio.compliance.kaldi.fbank</c> instead): frames of 400 samples every 160 without centring, each minus its
/// mean, pre-emphasis 0.97, a symmetric Hann window, a 512-point FFT, the power spectrum (held as complex64 as numpy's
/// spectrogram holds it), Kaldi mel filters triangular in mel space (20 Hz to Nyquist, no normalisation),
/// ln(max(x, 2⁻²³)); padded with zeros or cut to <c>max_length</c> frames; then (x − mean) / (2·std) in float.
/// </summary>
public sealed class AstFeatureExtractor
{
    private const int FrameLength = 400;
    private const int Hop = 160;
    private const int FftLength = 512;
    private const double Preemphasis = 0.97;
    private const double MelFloor = 1.192092955078125e-07;

    private readonly Fft fft = new(FftLength);
    private readonly double[] window;
    private readonly double[,] bank;

    /// <summary>Creates the extractor for <paramref name="config"/>.</summary>
    public AstFeatureExtractor(AstFeatureConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        window = new double[FrameLength];
        for (int i = 0; i < FrameLength; i++)
        {
            double k = (2 * i) - (FrameLength - 1);
            window[i] = 0.5 + (0.5 * Math.Cos(Math.PI * k / (FrameLength - 1)));
        }

        bank = MelFilterBank.Build((FftLength / 2) + 1, config.NumMelBins, 20, config.SamplingRate / 2, config.SamplingRate, MelFilterBank.Scale.Kaldi, slaneyNorm: false, triangularizeInMelSpace: true);
    }

    /// <summary>The settings.</summary>
    public AstFeatureConfig Config { get; }

    /// <summary>Reads the settings from <c>preprocessor_config.json</c>.</summary>
    public static AstFeatureExtractor FromJson(string json) => new(AstFeatureConfig.FromJson(json));

    /// <summary><c>input_values[0]</c>: row-major [max_length frames, num_mel_bins].</summary>
    public float[] Extract(ReadOnlySpan<float> samples)
    {
        int mels = Config.NumMelBins, bins = (FftLength / 2) + 1;
        int frames = samples.Length < FrameLength ? 0 : 1 + ((samples.Length - FrameLength) / Hop);
        int kept = Math.Min(frames, Config.MaxLength);
        var features = new float[Config.MaxLength * mels];
        var buffer = new double[FrameLength];
        var input = new Complex[FftLength];
        var spectrum = new Complex[FftLength];
        var power = new double[bins];
        for (int f = 0; f < kept; f++)
        {
            for (int i = 0; i < FrameLength; i++)
            {
                buffer[i] = samples[(f * Hop) + i];
            }

            double mean = NumpyFloat32.MeanOfDoubles(buffer);
            for (int i = 0; i < FrameLength; i++)
            {
                buffer[i] -= mean;
            }

            // buffer[1:] -= 0.97 * buffer[:-1] uses the values before the subtraction; then buffer[0] *= 1 − 0.97.
            for (int i = FrameLength - 1; i >= 1; i--)
            {
                buffer[i] -= Preemphasis * buffer[i - 1];
            }

            buffer[0] *= 1 - Preemphasis;
            for (int i = 0; i < FftLength; i++)
            {
                input[i] = i < FrameLength ? new Complex(buffer[i] * window[i], 0) : Complex.Zero;
            }

            fft.Forward(input, spectrum);
            for (int k = 0; k < bins; k++)
            {
                double h = double.Hypot((float)spectrum[k].Real, (float)spectrum[k].Imaginary);
                power[k] = h * h;
            }

            for (int m = 0; m < mels; m++)
            {
                double sum = 0;
                for (int k = 0; k < bins; k++)
                {
                    sum += bank[k, m] * power[k];
                }

                features[(f * mels) + m] = (float)Math.Log(Math.Max(MelFloor, sum));
            }
        }

        if (Config.DoNormalize)
        {
            float mean = (float)Config.Mean;
            float scale = (float)(Config.Std * 2);
            for (int i = 0; i < features.Length; i++)
            {
                features[i] = (features[i] - mean) / scale;
            }
        }

        return features;
    }
}
