namespace Bytez.Media.Audio;

/// <summary>
/// Triangular mel filters as transformers' <c>audio_utils.mel_filter_bank</c> builds them, in double precision:
/// the Slaney mel scale with Slaney area normalisation (Whisper) and the Kaldi scale triangularised in mel space (AST).
/// </summary>
internal static class MelFilterBank
{
    /// <summary>Which mel scale.</summary>
    public enum Scale
    {
        /// <summary>Linear below 1 kHz, logarithmic above (librosa's default).</summary>
        Slaney,

        /// <summary>1127·ln(1 + f/700).</summary>
        Kaldi,
    }

    /// <summary>The filters as [frequency bin, filter] (row-major, bins × filters), like the numpy array.</summary>
    public static double[,] Build(int frequencyBins, int filters, double minFrequency, double maxFrequency, int sampleRate, Scale scale, bool slaneyNorm, bool triangularizeInMelSpace)
    {
        double melMin = HertzToMel(minFrequency, scale);
        double melMax = HertzToMel(maxFrequency, scale);
        var melFreqs = Linspace(melMin, melMax, filters + 2);
        var filterFreqs = new double[filters + 2];
        for (int i = 0; i < filterFreqs.Length; i++)
        {
            filterFreqs[i] = MelToHertz(melFreqs[i], scale);
        }

        double[] fftFreqs;
        double[] centres;
        if (triangularizeInMelSpace)
        {
            double binWidth = (double)sampleRate / ((frequencyBins - 1) * 2);
            fftFreqs = new double[frequencyBins];
            for (int i = 0; i < frequencyBins; i++)
            {
                fftFreqs[i] = HertzToMel(binWidth * i, scale);
            }

            centres = melFreqs;
        }
        else
        {
            fftFreqs = Linspace(0, sampleRate / 2, frequencyBins);
            centres = filterFreqs;
        }

        var bank = new double[frequencyBins, filters];
        for (int b = 0; b < frequencyBins; b++)
        {
            for (int f = 0; f < filters; f++)
            {
                double down = -(centres[f] - fftFreqs[b]) / (centres[f + 1] - centres[f]);
                double up = (centres[f + 2] - fftFreqs[b]) / (centres[f + 2] - centres[f + 1]);
                bank[b, f] = Math.Max(0, Math.Min(down, up));
            }
        }

        if (slaneyNorm)
        {
            for (int f = 0; f < filters; f++)
            {
                double enorm = 2.0 / (filterFreqs[f + 2] - filterFreqs[f]);
                for (int b = 0; b < frequencyBins; b++)
                {
                    bank[b, f] *= enorm;
                }
            }
        }

        return bank;
    }

    /// <summary>numpy's linspace with its endpoint: start + i·step, the last value exactly stop.</summary>
    internal static double[] Linspace(double start, double stop, int count)
    {
        var y = new double[count];
        double step = (stop - start) / (count - 1);
        for (int i = 0; i < count; i++)
        {
            y[i] = (i * step) + start;
        }

        y[count - 1] = stop;
        return y;
    }

    private static double HertzToMel(double hz, Scale scale)
    {
        if (scale == Scale.Kaldi)
        {
            return 1127.0 * Math.Log(1.0 + (hz / 700.0));
        }

        return hz >= 1000.0 ? 15.0 + (Math.Log(hz / 1000.0) * (27.0 / Math.Log(6.4))) : 3.0 * hz / 200.0;
    }

    private static double MelToHertz(double mel, Scale scale)
    {
        if (scale == Scale.Kaldi)
        {
            return 700.0 * (Math.Exp(mel / 1127.0) - 1.0);
        }

        return mel >= 15.0 ? 1000.0 * Math.Exp(Math.Log(6.4) / 27.0 * (mel - 15.0)) : 200.0 * mel / 3.0;
    }
}
