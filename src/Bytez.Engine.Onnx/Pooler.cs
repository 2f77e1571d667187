namespace Bytez.Engine.Onnx;

/// <summary>Sentence-transformers pooling and normalization over one text's token embeddings.</summary>
internal static class Pooler
{
    /// <summary>
    /// Pools <paramref name="length"/> token embeddings of width <paramref name="hidden"/> (padding already cut off).
    /// The first <paramref name="skip"/> tokens (a prompt, when the pooling excludes it) take no part in mean, max and
    /// last-token pooling, as sentence-transformers zeroes their attention mask.
    /// </summary>
    public static float[] Pool(ReadOnlySpan<float> tokens, int length, int hidden, PoolingConfig pooling, int skip, bool normalize)
    {
        var result = new float[hidden * pooling.ModeCount];
        var span = result.AsSpan();
        var first = Math.Min(skip, length);
        var counted = length - first;
        if (pooling.Cls)
        {
            tokens[..hidden].CopyTo(span);
            span = span[hidden..];
        }

        if (pooling.Max)
        {
            var max = span[..hidden];
            if (counted == 0)
            {
                max.Fill(-1e9f);
            }
            else
            {
                tokens.Slice(first * hidden, hidden).CopyTo(max);
                for (var t = first + 1; t < length; t++)
                {
                    var row = tokens.Slice(t * hidden, hidden);
                    for (var h = 0; h < hidden; h++)
                    {
                        if (row[h] > max[h])
                        {
                            max[h] = row[h];
                        }
                    }
                }
            }

            span = span[hidden..];
        }

        if (pooling.Mean || pooling.MeanSqrtLength)
        {
            var sum = new float[hidden];
            for (var t = first; t < length; t++)
            {
                var row = tokens.Slice(t * hidden, hidden);
                for (var h = 0; h < hidden; h++)
                {
                    sum[h] += row[h];
                }
            }

            var count = Math.Max(counted, 1e-9f);
            if (pooling.Mean)
            {
                for (var h = 0; h < hidden; h++)
                {
                    span[h] = sum[h] / count;
                }

                span = span[hidden..];
            }

            if (pooling.MeanSqrtLength)
            {
                var root = MathF.Sqrt(count);
                for (var h = 0; h < hidden; h++)
                {
                    span[h] = sum[h] / root;
                }

                span = span[hidden..];
            }
        }

        if (pooling.LastToken)
        {
            if (counted > 0)
            {
                tokens.Slice((length - 1) * hidden, hidden).CopyTo(span);
            }

            span = span[hidden..];
        }

        if (normalize)
        {
            Normalize(result);
        }

        return result;
    }

    /// <summary>Scales the vector to unit L2 length (the norm floored at 1e-12, as PyTorch's <c>normalize</c>).</summary>
    public static void Normalize(Span<float> vector)
    {
        double squares = 0;
        foreach (var x in vector)
        {
            squares += (double)x * x;
        }

        var scale = (float)(1.0 / Math.Max(Math.Sqrt(squares), 1e-12));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }
}
