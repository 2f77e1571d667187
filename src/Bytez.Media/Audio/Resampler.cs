namespace Bytez.Media.Audio;

/// <summary>
/// Changes the sample rate of mono audio with the windowed-sinc polyphase filter of ffmpeg's libswresample at its
/// defaults (what <c>ffmpeg -ar</c> does for the Python pipelines): 32 taps at the output rate, widened by the
/// downsampling factor; cutoff 0.97 of the lower Nyquist frequency; a Kaiser window of β 9; 1024 phases, or exactly
/// out/gcd phases when that is fewer (exact_rational), with linear interpolation between phases otherwise; the start
/// mirrored and the end reflected as libswresample pads them. Coefficients are floats, sums are doubles.
/// </summary>
public static class Resampler
{
    private const int FilterSize = 32;
    private const int PhaseShift = 10;
    private const double Cutoff = 0.97;
    private const double KaiserBeta = 9;

    /// <summary>The samples at <paramref name="toRate"/>; the same array when the rates are equal.</summary>
    public static float[] Resample(float[] samples, int fromRate, int toRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        if (fromRate == toRate || samples.Length == 0)
        {
            return samples;
        }

        var f = new Filter(fromRate, toRate);
        return f.Run(samples);
    }

    private sealed class Filter
    {
        private readonly int length;
        private readonly int alloc;
        private readonly int phases;
        private readonly float[] bank;
        private readonly long srcIncr;
        private readonly long dstIncrDiv;
        private readonly long dstIncrMod;

        public Filter(int inRate, int outRate)
        {
            double factor = Math.Min(outRate * Cutoff / inRate, 1.0);
            length = Math.Max((int)Math.Ceiling(FilterSize / factor), 1);
            if (length > 1)
            {
                length += length & 1;
            }

            phases = 1 << PhaseShift;
            long g = Gcd(outRate, inRate);
            if (outRate / g <= phases)
            {
                phases = (int)(outRate / g);
            }

            alloc = (length + 7) & ~7;
            bank = new float[alloc * (phases + 1)];
            Build(factor);

            // The extra phase is phase 0 one tap later, for interpolating past the last phase.
            Array.Copy(bank, 0, bank, (alloc * phases) + 1, alloc - 1);
            bank[alloc * phases] = bank[alloc - 1];

            long num = outRate, den = (long)inRate * phases;
            long g2 = Gcd(num, den);
            long src = num / g2, dst = den / g2;
            while (dst < (1 << 20) && src < (1 << 20))
            {
                dst *= 2;
                src *= 2;
            }

            srcIncr = src;
            dstIncrDiv = dst / src;
            dstIncrMod = dst % src;
        }

        private void Build(double factor)
        {
            int center = (length - 1) / 2;
            int count = phases % 2 == 1 ? phases : (phases / 2) + 1;
            var tab = new double[length];
            double norm = 0;
            for (int ph = 0; ph < count; ph++)
            {
                double s = factor == 1.0 ? Math.Sin(Math.PI * ph / phases) * ((center & 1) == 1 ? 1 : -1) : 0;
                for (int i = 0; i < length; i++)
                {
                    double x = Math.PI * ((i - center) - ((double)ph / phases)) * factor;
                    double y = x == 0 ? 1.0 : factor == 1.0 ? s / x : Math.Sin(x) / x;
                    double w = 2.0 * x / (factor * length * Math.PI);
                    y *= BesselI0(KaiserBeta * Math.Sqrt(Math.Max(1 - (w * w), 0)));
                    tab[i] = y;
                    s = -s;
                    if (ph == 0)
                    {
                        norm += y;
                    }
                }

                for (int i = 0; i < length; i++)
                {
                    bank[(ph * alloc) + i] = (float)(tab[i] / norm);
                }

                if (phases % 2 == 0)
                {
                    for (int i = 0; i < length; i++)
                    {
                        bank[((phases - ph) * alloc) + length - 1 - i] = bank[(ph * alloc) + i];
                    }
                }
            }
        }

        public float[] Run(float[] x)
        {
            int n = x.Length;
            int maxReflection = (Math.Min(n, length) + 1) / 2;

            // [mirror of x[1..length]] x [x reflected at the end]: libswresample's invert_initial_buffer and flush.
            var buf = new float[length + n + maxReflection];
            for (int k = 1; k <= length; k++)
            {
                buf[length - k] = k < n ? x[k] : 0f;
            }

            Array.Copy(x, 0, buf, length, n);

            long index = -(long)phases * ((length - 1) / 2);
            long sampleIndex = length;
            while (index < 0)
            {
                sampleIndex--;
                index += phases;
            }

            long frac = 0;
            bool linear = dstIncrMod != 0;
            double invSrcIncr = 1.0 / srcIncr;
            var output = new List<float>((int)Math.Min(int.MaxValue, ((long)n * 2) + 16));
            long limit = length + n;
            bool flushed = false;
            while (true)
            {
                if (sampleIndex + length > limit)
                {
                    if (flushed)
                    {
                        break;
                    }

                    // At the end libswresample reflects (min(unconsumed, taps) + 1) / 2 samples, the edge repeated,
                    // where unconsumed counts the input from the next output's first tap on.
                    flushed = true;
                    long unconsumed = length + n - sampleIndex;
                    int reflection = (int)Math.Min((Math.Min(unconsumed, length) + 1) / 2, maxReflection);
                    for (int j = 0; j < reflection; j++)
                    {
                        buf[length + n + j] = x[n - 1 - j];
                    }

                    limit = length + n + reflection;
                    continue;
                }

                int start = (int)sampleIndex;
                int taps = (int)index * alloc;
                double val = 0;
                for (int i = 0; i < length; i++)
                {
                    val += buf[start + i] * (double)bank[taps + i];
                }

                if (linear && frac != 0)
                {
                    double v2 = 0;
                    for (int i = 0; i < length; i++)
                    {
                        v2 += buf[start + i] * (double)bank[taps + alloc + i];
                    }

                    float v = (float)val;
                    output.Add((float)(v + (((float)v2 - v) * invSrcIncr * frac)));
                }
                else
                {
                    output.Add((float)val);
                }

                frac += dstIncrMod;
                index += dstIncrDiv;
                if (frac >= srcIncr)
                {
                    frac -= srcIncr;
                    index++;
                }

                sampleIndex += index / phases;
                index %= phases;
            }

            return [.. output];
        }

        private static long Gcd(long a, long b)
        {
            while (b != 0)
            {
                (a, b) = (b, a % b);
            }

            return a;
        }

        /// <summary>The modified Bessel function of the first kind, order 0, by its power series (exact to double precision here).</summary>
        private static double BesselI0(double x)
        {
            double sum = 1, term = 1, q = x * x / 4;
            for (int k = 1; k < 500; k++)
            {
                term *= q / ((double)k * k);
                sum += term;
                if (term < sum * 1e-17)
                {
                    break;
                }
            }

            return sum;
        }
    }
}
