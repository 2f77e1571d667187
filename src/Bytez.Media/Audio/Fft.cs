using System.Numerics;

namespace Bytez.Media.Audio;

/// <summary>
/// A mixed-radix complex FFT of any length in double precision (recursive Cooley–Tukey over the prime factors), for
/// the short-time Fourier transforms of the feature extractors (Whisper's 400-point frames are 2⁴·5²).
/// </summary>
internal sealed class Fft
{
    private readonly int n;
    private readonly int[] factors;
    private readonly Complex[] twiddles;
    private readonly int largestFactor;

    /// <summary>Plans a transform of <paramref name="length"/> points.</summary>
    public Fft(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        n = length;
        var f = new List<int>();
        int rest = length;
        for (int p = 2; rest > 1;)
        {
            if (rest % p == 0)
            {
                f.Add(p);
                rest /= p;
            }
            else
            {
                p = p == 2 ? 3 : p + 2;
                if ((long)p * p > rest)
                {
                    p = rest;
                }
            }
        }

        factors = [.. f];
        twiddles = new Complex[length];
        for (int k = 0; k < length; k++)
        {
            double angle = -2 * Math.PI * k / length;
            twiddles[k] = new Complex(Math.Cos(angle), Math.Sin(angle));
        }

        largestFactor = factors.Length == 0 ? 1 : factors.Max();
    }

    /// <summary>The number of points.</summary>
    public int Length => n;

    /// <summary>Writes the DFT of <paramref name="input"/> (length points) into <paramref name="output"/>; safe to call from several threads at once.</summary>
    public void Forward(ReadOnlySpan<Complex> input, Span<Complex> output)
    {
        if (input.Length != n || output.Length != n)
        {
            throw new ArgumentException($"The FFT has {n} points.");
        }

        Span<Complex> scratch = largestFactor <= 64 ? stackalloc Complex[largestFactor] : new Complex[largestFactor];
        Recurse(input, 0, 1, output, n, 0, scratch);
    }

    private void Recurse(ReadOnlySpan<Complex> x, int offset, int stride, Span<Complex> y, int size, int level, Span<Complex> scratch)
    {
        if (size == 1)
        {
            y[0] = x[offset];
            return;
        }

        int p = factors[level];
        int m = size / p;
        for (int r = 0; r < p; r++)
        {
            Recurse(x, offset + (r * stride), stride * p, y.Slice(r * m, m), m, level + 1, scratch);
        }

        int step = n / size; // W_size^e = W_n^(e·step)
        var t = scratch[..p];
        for (int k = 0; k < m; k++)
        {
            for (int r = 0; r < p; r++)
            {
                t[r] = y[(r * m) + k];
            }

            for (int q = 0; q < p; q++)
            {
                int kk = k + (q * m);
                Complex sum = t[0];
                for (int r = 1; r < p; r++)
                {
                    sum += t[r] * twiddles[(int)((long)r * kk % size * step)];
                }

                y[kk] = sum;
            }
        }
    }
}
