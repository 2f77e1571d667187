using System.Numerics;

namespace Bytez.Media.Audio;

/// <summary>
/// A mixed-radix complex FFT of any length in double precision (Cooley–Tukey over the prime factors, decimation in
/// time: the input permuted once, then one pass per factor), for the short-time Fourier transforms of the feature
/// extractors (Whisper's 400-point frames are 2⁴·5², AST's 512 are 2⁹). Safe to call from several threads at once.
/// </summary>
internal sealed class Fft
{
    private readonly int n;
    private readonly int[] factors;
    private readonly int[] permutation;
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
        largestFactor = factors.Length == 0 ? 1 : factors.Max();
        twiddles = new Complex[length];
        for (int k = 0; k < length; k++)
        {
            double angle = -2 * Math.PI * k / length;
            twiddles[k] = new Complex(Math.Cos(angle), Math.Sin(angle));
        }

        permutation = new int[length];
        Permute(0, 1, 0, length, 0);
    }

    /// <summary>The number of points.</summary>
    public int Length => n;

    /// <summary>Where each input lands before the passes: the order the recursive split reads them in.</summary>
    private void Permute(int offset, int stride, int outStart, int size, int level)
    {
        if (size == 1)
        {
            permutation[outStart] = offset;
            return;
        }

        int p = factors[level], m = size / p;
        for (int r = 0; r < p; r++)
        {
            Permute(offset + (r * stride), stride * p, outStart + (r * m), m, level + 1);
        }
    }

    /// <summary>Writes the DFT of <paramref name="input"/> (length points) into <paramref name="output"/>.</summary>
    public void Forward(ReadOnlySpan<Complex> input, Span<Complex> output)
    {
        if (input.Length != n || output.Length != n)
        {
            throw new ArgumentException($"The FFT has {n} points.");
        }

        for (int i = 0; i < n; i++)
        {
            output[i] = input[permutation[i]];
        }

        Span<Complex> t = largestFactor <= 64 ? stackalloc Complex[largestFactor] : new Complex[largestFactor];
        int size = 1;
        for (int level = factors.Length - 1; level >= 0; level--)
        {
            int p = factors[level];
            int m = size;
            size *= p;
            int step = n / size;   // W_size^e = W_n^(e·step)
            int rootStep = n / p;  // W_p^e = W_n^(e·n/p)
            for (int block = 0; block < n; block += size)
            {
                var y = output.Slice(block, size);
                for (int k = 0; k < m; k++)
                {
                    for (int r = 0; r < p; r++)
                    {
                        t[r] = r == 0 ? y[k] : y[(r * m) + k] * twiddles[r * k * step];
                    }

                    if (p == 2)
                    {
                        y[k] = t[0] + t[1];
                        y[k + m] = t[0] - t[1];
                        continue;
                    }

                    for (int q = 0; q < p; q++)
                    {
                        Complex sum = t[0];
                        for (int r = 1; r < p; r++)
                        {
                            sum += t[r] * twiddles[(r * q % p) * rootStep];
                        }

                        y[k + (q * m)] = sum;
                    }
                }
            }
        }
    }
}
