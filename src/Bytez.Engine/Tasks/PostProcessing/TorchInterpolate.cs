namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// PyTorch's <c>torch.nn.functional.interpolate</c> of one float32 plane to a given size with
/// <c>align_corners=False</c> and no scale factor, as its CPU kernel computes it: the scale is <c>in / out</c> in
/// float32, the source coordinate <c>scale · (dst + 0.5) − 0.5</c>, and the taps weighted along the width first, then
/// the height (<c>(x00·w0 + x01·w1)·h0 + (x10·w0 + x11·w1)·h1</c>, all float32). Used by image-segmentation (bilinear:
/// the logits to the image's size) and depth-estimation (bicubic: the predicted depth to the image's size), as
/// transformers' post-processing does; checked against torch on random planes.
/// </summary>
public static class TorchInterpolate
{
    /// <summary>The cubic convolution coefficient torch uses (<c>A = −0.75</c>, not PIL's −0.5).</summary>
    public const float CubicA = -0.75f;

    /// <summary><c>mode="bilinear"</c>: the plane (<paramref name="height"/> × <paramref name="width"/>, row-major) at <paramref name="outHeight"/> × <paramref name="outWidth"/>.</summary>
    /// <exception cref="ArgumentException">A size is below 1 or the plane does not fill its size.</exception>
    public static float[] Bilinear(ReadOnlySpan<float> plane, int height, int width, int outHeight, int outWidth) =>
        Resample(plane, height, width, outHeight, outWidth, LinearTaps(height, outHeight), LinearTaps(width, outWidth), 2);

    /// <summary><c>mode="bicubic"</c>: the plane at the new size, border taps clamped to the edge (no antialias).</summary>
    /// <exception cref="ArgumentException">A size is below 1 or the plane does not fill its size.</exception>
    public static float[] Bicubic(ReadOnlySpan<float> plane, int height, int width, int outHeight, int outWidth) =>
        Resample(plane, height, width, outHeight, outWidth, CubicTaps(height, outHeight), CubicTaps(width, outWidth), 4);

    /// <summary>The taps of one axis: for each output index, its (2 or 4) source indices and their weights.</summary>
    private readonly record struct Axis(int[] Index, float[] Weight);

    private static float[] Resample(ReadOnlySpan<float> plane, int height, int width, int outHeight, int outWidth, Axis rows, Axis columns, int taps)
    {
        Check(plane, height, width, outHeight, outWidth);
        var output = new float[(long)outHeight * outWidth];
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                var sum = 0f;
                for (var j = 0; j < taps; j++)
                {
                    var row = rows.Index[(y * taps) + j] * width;
                    var inner = 0f;
                    for (var k = 0; k < taps; k++)
                    {
                        var term = plane[row + columns.Index[(x * taps) + k]] * columns.Weight[(x * taps) + k];
                        inner = k == 0 ? term : inner + term;
                    }

                    var weighted = inner * rows.Weight[(y * taps) + j];
                    sum = j == 0 ? weighted : sum + weighted;
                }

                output[((long)y * outWidth) + x] = sum;
            }
        }

        return output;
    }

    private static void Check(ReadOnlySpan<float> plane, int height, int width, int outHeight, int outWidth)
    {
        if (height < 1 || width < 1 || outHeight < 1 || outWidth < 1)
        {
            throw new ArgumentException($"Sizes must be at least 1; got {height}×{width} to {outHeight}×{outWidth}.");
        }

        if (plane.Length != (long)height * width)
        {
            throw new ArgumentException($"A {height}×{width} plane needs {(long)height * width} values, not {plane.Length}.", nameof(plane));
        }
    }

    private static Axis LinearTaps(int input, int output)
    {
        var index = new int[output * 2];
        var weight = new float[output * 2];
        var scale = (float)input / output;
        for (var i = 0; i < output; i++)
        {
            if (input == output)
            {
                index[2 * i] = index[(2 * i) + 1] = i;
                weight[2 * i] = 1f;
                continue;
            }

            var source = Math.Max(Source(scale, i), 0f);
            var i0 = (int)source;
            var lambda1 = Math.Clamp(source - i0, 0f, 1f);
            index[2 * i] = i0;
            index[(2 * i) + 1] = i0 + (i0 < input - 1 ? 1 : 0);
            weight[2 * i] = 1f - lambda1;
            weight[(2 * i) + 1] = lambda1;
        }

        return new Axis(index, weight);
    }

    private static Axis CubicTaps(int input, int output)
    {
        var index = new int[output * 4];
        var weight = new float[output * 4];
        var scale = (float)input / output;
        for (var i = 0; i < output; i++)
        {
            var source = Source(scale, i);
            var floor = MathF.Floor(source);
            var t = source - floor;
            weight[4 * i] = Far(t + 1f);
            weight[(4 * i) + 1] = Near(t);
            weight[(4 * i) + 2] = Near(1f - t);
            weight[(4 * i) + 3] = Far(1f - t + 1f);
            for (var j = 0; j < 4; j++)
            {
                index[(4 * i) + j] = Math.Clamp((int)floor - 1 + j, 0, input - 1);
            }
        }

        return new Axis(index, weight);
    }

    /// <summary>The source coordinate of an output index: <c>scale · (i + 0.5) − 0.5</c> in double (C++ promotes it), then float.</summary>
    private static float Source(float scale, int i) => (float)((scale * (i + 0.5)) - 0.5);

    /// <summary>The kernel for |x| ≤ 1: ((A + 2)·x − (A + 3))·x² + 1.</summary>
    private static float Near(float x) => ((((CubicA + 2f) * x) - (CubicA + 3f)) * x * x) + 1f;

    /// <summary>The kernel for 1 &lt; |x| &lt; 2: ((A·x − 5A)·x + 8A)·x − 4A.</summary>
    private static float Far(float x) => (((((CubicA * x) - (5f * CubicA)) * x) + (8f * CubicA)) * x) - (4f * CubicA);
}
