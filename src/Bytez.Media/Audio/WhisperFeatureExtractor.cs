using System.Numerics;

namespace Bytez.Media.Audio;

/// <summary>
/// Whisper's log-mel front end, equal to transformers 4.57's <c>WhisperFeatureExtractor</c> (its numpy path, to float
/// rounding): the waveform padded with <c>padding_value</c> or cut to <c>chunk_length</c> seconds; centred frames of
/// n_fft samples every hop_length (reflect padding of n_fft/2 at both ends); a periodic Hann window; the power
/// spectrum computed in double and held as complex64 as numpy's spectrogram holds it; Slaney mel filters (Slaney
/// normalisation, 0–8000 Hz); log10 of at least 1e-10; the last frame dropped; every value raised to at least the
/// maximum − 8; then (x + 4) / 4 in float.
/// </summary>
public sealed class WhisperFeatureExtractor
{
    private readonly Fft fft;
    private readonly double[] window;
    private readonly double[][] filters;
    private readonly int[] filterStart;

    /// <summary>Creates the extractor for <paramref name="config"/>.</summary>
    public WhisperFeatureExtractor(WhisperFeatureConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        fft = new Fft(config.NFft);
        window = PeriodicHann(config.NFft);
        int bins = (config.NFft / 2) + 1;
        var bank = MelFilterBank.Build(bins, config.FeatureSize, 0, 8000, config.SamplingRate, MelFilterBank.Scale.Slaney, slaneyNorm: true, triangularizeInMelSpace: false);
        filters = new double[config.FeatureSize][];
        filterStart = new int[config.FeatureSize];
        for (int m = 0; m < config.FeatureSize; m++)
        {
            int first = 0, last = bins - 1;
            while (first < bins && bank[first, m] == 0)
            {
                first++;
            }

            while (last > first && bank[last, m] == 0)
            {
                last--;
            }

            filterStart[m] = Math.Min(first, bins - 1);
            filters[m] = new double[Math.Max(0, last - first + 1)];
            for (int b = first; b <= last && b < bins; b++)
            {
                filters[m][b - first] = bank[b, m];
            }
        }
    }

    /// <summary>The settings.</summary>
    public WhisperFeatureConfig Config { get; }

    /// <summary>Reads the settings from <c>preprocessor_config.json</c> (see <see cref="WhisperFeatureConfig.FromJson"/>).</summary>
    public static WhisperFeatureExtractor FromJson(string json) => new(WhisperFeatureConfig.FromJson(json));

    /// <summary>
    /// The features of one window as the pipeline computes them for audio up to chunk_length seconds
    /// (<c>padding="max_length"</c>, truncation on): always <see cref="WhisperFeatureConfig.MaxFrames"/> frames.
    /// </summary>
    public WhisperFeatures Extract(ReadOnlySpan<float> samples)
    {
        int n = Config.NSamples;
        var padded = new float[n];
        int real = Math.Min(samples.Length, n);
        samples[..real].CopyTo(padded);
        padded.AsSpan(real).Fill(Config.PaddingValue);
        return Compute(padded, real);
    }

    /// <summary>
    /// The features of audio of any length as the pipeline computes them for Whisper's sequential long-form decoding
    /// (audio longer than chunk_length: <c>truncation=False, padding="longest"</c>): samples / hop_length frames, no padding.
    /// </summary>
    public WhisperFeatures ExtractLongForm(ReadOnlySpan<float> samples)
    {
        if (samples.Length < 2)
        {
            throw new ArgumentException("Long-form features need at least two samples.", nameof(samples));
        }

        return Compute(samples.ToArray(), samples.Length);
    }

    private WhisperFeatures Compute(float[] wave, int realSamples)
    {
        int nfft = Config.NFft, hop = Config.HopLength, half = nfft / 2, bins = (nfft / 2) + 1, mels = Config.FeatureSize;
        if (wave.Length <= half)
        {
            throw new ArgumentException($"Reflect padding of {half} samples needs more than {half} samples.");
        }

        // np.pad(mode="reflect"): the edge sample is not repeated.
        var x = new double[wave.Length + (2 * half)];
        for (int i = 0; i < wave.Length; i++)
        {
            x[half + i] = wave[i];
        }

        for (int j = 1; j <= half; j++)
        {
            x[half - j] = wave[j];
            x[half + wave.Length - 1 + j] = wave[wave.Length - 1 - j];
        }

        int frames = 1 + ((x.Length - nfft) / hop);
        int kept = frames - 1;
        var log = new float[mels * kept];
        var input = new Complex[nfft];
        var spectrum = new Complex[nfft];
        var power = new double[bins];
        float max = float.NegativeInfinity;
        for (int f = 0; f < kept; f++)
        {
            int start = f * hop;
            for (int i = 0; i < nfft; i++)
            {
                input[i] = new Complex(x[start + i] * window[i], 0);
            }

            fft.Forward(input, spectrum);
            for (int k = 0; k < bins; k++)
            {
                // numpy stores the spectrum as complex64, then takes np.abs in float64 and squares it.
                double h = double.Hypot((float)spectrum[k].Real, (float)spectrum[k].Imaginary);
                power[k] = h * h;
            }

            for (int m = 0; m < mels; m++)
            {
                var weights = filters[m];
                int first = filterStart[m];
                double sum = 0;
                for (int i = 0; i < weights.Length; i++)
                {
                    sum += weights[i] * power[first + i];
                }

                float value = (float)Math.Log10(Math.Max(1e-10, sum));
                log[(m * kept) + f] = value;
                max = Math.Max(max, value);
            }
        }

        float floor = (float)(max - 8.0);
        for (int i = 0; i < log.Length; i++)
        {
            log[i] = (Math.Max(log[i], floor) + 4f) / 4f;
        }

        int maskLength = (wave.Length + hop - 1) / hop;
        var mask = new int[maskLength];
        for (int i = 0; i < maskLength; i++)
        {
            mask[i] = (long)i * hop < realSamples ? 1 : 0;
        }

        return new WhisperFeatures(log, mels, kept, mask);
    }

    /// <summary>np.hanning(n + 1)[:-1]: 0.5 + 0.5·cos(π·k/n) for k = −n, −n+2, …, n−2.</summary>
    internal static double[] PeriodicHann(int n)
    {
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double k = (2 * i) - n;
            w[i] = 0.5 + (0.5 * Math.Cos(Math.PI * k / n));
        }

        return w;
    }
}
