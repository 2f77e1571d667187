using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bytez.Media.Images;

/// <summary>PIL's resampling filters, numbered as <c>PIL.Image.Resampling</c> and the <c>resample</c> key of a preprocessor_config.json.</summary>
public enum PilResample
{
    /// <summary>Nearest neighbour (0).</summary>
    Nearest = 0,

    /// <summary>Lanczos, a = 3 (1).</summary>
    Lanczos = 1,

    /// <summary>Triangle (2).</summary>
    Bilinear = 2,

    /// <summary>Keys cubic, a = −0.5 (3).</summary>
    Bicubic = 3,

    /// <summary>Box (4).</summary>
    Box = 4,

    /// <summary>Hamming-windowed sinc (5).</summary>
    Hamming = 5,
}

/// <summary>
/// PIL 9.4's <c>Image.resize(size, resample)</c> of an RGB image, bit for bit (a port of the semantics of
/// libImaging/Resample.c and of the nearest path through Geometry.c, written from their behaviour): separable
/// filters whose support widens with the downscale factor, coefficients normalised per output pixel and rounded to
/// 22-bit fixed point, the horizontal pass first, each pass rounded and clamped to 8 bits, a pass skipped when its
/// size does not change. Nearest takes the pixel under <c>(i + 0.5) · scale</c>, accumulated as PIL accumulates it.
/// </summary>
public static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>The image resized to <paramref name="width"/> × <paramref name="height"/> with <paramref name="filter"/>.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height, PilResample filter)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width == image.Width && height == image.Height)
        {
            return new RgbImage(width, height, (byte[])image.Rgb.Clone());
        }

        if (filter == PilResample.Nearest)
        {
            return Nearest(image, width, height);
        }

        var (support, kernel) = Filter(filter);
        bool horizontal = width != image.Width, vertical = height != image.Height;
        var (hBounds, hWeights, hSize) = Coefficients(image.Width, width, support, kernel);
        var (vBounds, vWeights, vSize) = Coefficients(image.Height, height, support, kernel);

        var current = image;
        if (horizontal)
        {
            // Only the rows the vertical pass reads are resampled horizontally.
            int first = vBounds[0], last = vBounds[(height * 2) - 2] + vBounds[(height * 2) - 1];
            if (!vertical)
            {
                first = 0;
                last = image.Height;
            }
            else
            {
                for (int i = 0; i < height; i++)
                {
                    vBounds[i * 2] -= first;
                }
            }

            var temp = GC.AllocateUninitializedArray<byte>(width * (last - first) * 3); // every byte is written
            Horizontal(image.Rgb, image.Width, first, last - first, temp, width, hBounds, hWeights, hSize);
            current = new RgbImage(width, last - first, temp);
        }

        if (vertical)
        {
            var output = GC.AllocateUninitializedArray<byte>(width * height * 3); // every byte is written
            Vertical(current.Rgb, current.Width, output, height, vBounds, vWeights, vSize);
            return new RgbImage(width, height, output);
        }

        return current;
    }

    private static (double Support, Func<double, double> Kernel) Filter(PilResample filter) => filter switch
    {
        PilResample.Box => (0.5, x => x > -0.5 && x <= 0.5 ? 1.0 : 0.0),
        PilResample.Bilinear => (1.0, x =>
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }),
        PilResample.Hamming => (1.0, x =>
        {
            x = Math.Abs(x);
            if (x == 0.0)
            {
                return 1.0;
            }

            if (x >= 1.0)
            {
                return 0.0;
            }

            x *= Math.PI;
            // PIL writes the window's constants as single-precision literals (0.54f, 0.46f).
            return Math.Sin(x) / x * ((double)0.54f + ((double)0.46f * Math.Cos(x)));
        }),
        PilResample.Bicubic => (2.0, x =>
        {
            const double a = -0.5;
            x = Math.Abs(x);
            if (x < 1.0)
            {
                return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
            }

            if (x < 2.0)
            {
                return ((((x - 5) * x) + 8) * x - 4) * a;
            }

            return 0.0;
        }),
        PilResample.Lanczos => (3.0, x => x >= -3.0 && x < 3.0 ? Sinc(x) * Sinc(x / 3.0) : 0.0),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Expected a PIL resampling filter 0–5."),
    };

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    /// <summary>Per output pixel: the first input index and the count, and the fixed-point weights (ksize per pixel).</summary>
    private static (int[] Bounds, int[] Weights, int KSize) Coefficients(int inSize, int outSize, double support, Func<double, double> kernel)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        support *= filterScale;
        int ksize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[outSize * 2];
        var weights = new int[outSize * ksize];
        Span<double> k = ksize <= 256 ? stackalloc double[ksize] : new double[ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = kernel((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weights[(xx * ksize) + x] = w < 0
                    ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                    : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[xx * 2] = xmin;
            bounds[(xx * 2) + 1] = xmax;
        }

        return (bounds, weights, ksize);
    }

    private static byte Clip8(int value)
    {
        if (value >= 1 << PrecisionBits << 8)
        {
            return 255;
        }

        return value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
    }

    // Fully optimized from the first call: a server resizes each image once, and a method with loops otherwise starts as
    // tier-0 code (left by on-stack replacement or after 30 calls), which the first requests would pay for.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Horizontal(byte[] input, int inWidth, int firstRow, int rows, byte[] output, int outWidth, int[] bounds, int[] weights, int ksize)
    {
        fixed (byte* inp = input, outp = output)
        fixed (int* bp = bounds, wp = weights)
        {
            byte* inEnd = inp + input.Length;
            for (int y = 0; y < rows; y++)
            {
                byte* inRow = inp + ((long)(y + firstRow) * inWidth * 3);
                byte* o = outp + ((long)y * outWidth * 3);
                bool lastRow = y == rows - 1;
                for (int xx = 0; xx < outWidth; xx++, o += 3)
                {
                    int xmax = bp[(xx * 2) + 1];
                    int* k = wp + (xx * ksize);
                    byte* p = inRow + (bp[xx * 2] * 3);

                    // Four lanes (R, G, B and the next pixel's R, weighted but dropped) per tap: one widening load, one
                    // multiply, one add instead of three of each. The last tap reads one byte past its pixel, so a pixel
                    // whose last tap is the buffer's last pixel, and the last pixel of the output, go the scalar way.
                    if (Sse41.IsSupported && p + (xmax * 3) < inEnd && !(lastRow && xx == outWidth - 1))
                    {
                        var acc = Vector128.Create(1 << (PrecisionBits - 1));
                        for (int x = 0; x < xmax; x++, p += 3)
                        {
                            acc += Sse41.ConvertToVector128Int32(p) * Vector128.Create(k[x]);
                        }

                        // Clip8 on every lane: >> 22, then saturated to 0..255 (PIL's clip to 8 bits, see Clip8).
                        var shifted = Vector128.ShiftRightArithmetic(acc, PrecisionBits);
                        var bytes = Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(shifted, shifted), default);
                        Unsafe.WriteUnaligned(o, bytes.AsUInt32().ToScalar()); // the fourth byte is the next pixel's, written next
                        continue;
                    }

                    int r = 1 << (PrecisionBits - 1), g = r, b = r;
                    for (int x = 0; x < xmax; x++, p += 3)
                    {
                        int w = k[x];
                        r += p[0] * w;
                        g += p[1] * w;
                        b += p[2] * w;
                    }

                    o[0] = Clip8(r);
                    o[1] = Clip8(g);
                    o[2] = Clip8(b);
                }
            }
        }
    }

    // Fully optimized from the first call: a server resizes each image once, and a method with loops otherwise starts as
    // tier-0 code (left by on-stack replacement or after 30 calls), which the first requests would pay for.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Vertical(byte[] input, int width, byte[] output, int outHeight, int[] bounds, int[] weights, int ksize)
    {
        // Row by row (the same sums as PIL's column order, integer addition being exact), 32 samples at a time in four
        // vectors of eight 32-bit sums, for the cache and the vector units; the rest one sample at a time.
        int stride = width * 3;
        int vectorEnd = Avx2.IsSupported ? stride - (stride % 32) : 0;
        fixed (byte* inp = input, outp = output)
        fixed (int* wp = weights)
        {
            for (int yy = 0; yy < outHeight; yy++)
            {
                int ymin = bounds[yy * 2], ymax = bounds[(yy * 2) + 1];
                int* k = wp + (yy * ksize);
                byte* first = inp + ((long)ymin * stride);
                byte* o = outp + ((long)yy * stride);
                int i = 0;
                for (; i < vectorEnd; i += 32)
                {
                    var half = Vector256.Create(1 << (PrecisionBits - 1));
                    Vector256<int> a0 = half, a1 = half, a2 = half, a3 = half;
                    byte* row = first + i;
                    for (int y = 0; y < ymax; y++, row += stride)
                    {
                        var w = Vector256.Create(k[y]);
                        a0 += Avx2.ConvertToVector256Int32(row) * w;
                        a1 += Avx2.ConvertToVector256Int32(row + 8) * w;
                        a2 += Avx2.ConvertToVector256Int32(row + 16) * w;
                        a3 += Avx2.ConvertToVector256Int32(row + 24) * w;
                    }

                    Avx.Store(o + i, Vector256.Create(Narrow(a0, a1), Narrow(a2, a3)));
                }

                for (; i < stride; i++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    byte* row = first + i;
                    for (int y = 0; y < ymax; y++, row += stride)
                    {
                        sum += *row * k[y];
                    }

                    o[i] = Clip8(sum);
                }
            }
        }
    }

    /// <summary>Sixteen sums clipped to 8 bits as <see cref="Clip8"/> does (shift, then saturate to 0..255), in order.</summary>
    private static Vector128<byte> Narrow(Vector256<int> low, Vector256<int> high)
    {
        var a = Sse2.PackSignedSaturate(
            Vector256.ShiftRightArithmetic(low, PrecisionBits).GetLower(), Vector256.ShiftRightArithmetic(low, PrecisionBits).GetUpper());
        var b = Sse2.PackSignedSaturate(
            Vector256.ShiftRightArithmetic(high, PrecisionBits).GetLower(), Vector256.ShiftRightArithmetic(high, PrecisionBits).GetUpper());
        return Sse2.PackUnsignedSaturate(a, b);
    }

    private static RgbImage Nearest(RgbImage image, int width, int height)
    {
        double ax = (double)image.Width / width, ay = (double)image.Height / height;
        var xin = new int[width];
        double xo = ax * 0.5;
        for (int x = 0; x < width; x++)
        {
            xin[x] = xo < 0.0 ? -1 : (int)xo;
            xo += ax;
        }

        var output = new byte[width * height * 3];
        var input = image.Rgb;
        double yo = ay * 0.5;
        for (int y = 0; y < height; y++)
        {
            int yi = yo < 0.0 ? -1 : (int)yo;
            yo += ay;
            if (yi < 0 || yi >= image.Height)
            {
                continue;
            }

            int row = yi * image.Width * 3, o = y * width * 3;
            for (int x = 0; x < width; x++, o += 3)
            {
                if (xin[x] < 0 || xin[x] >= image.Width)
                {
                    continue;
                }

                int p = row + (xin[x] * 3);
                output[o] = input[p];
                output[o + 1] = input[p + 1];
                output[o + 2] = input[p + 2];
            }
        }

        return new RgbImage(width, height, output);
    }
}
