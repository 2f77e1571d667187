using Bytez.Engine.Onnx.Embedded;

namespace Bytez.Engine.Tests.Embedded;

public sealed class CtcGreedyDecoderTests
{
    [Fact]
    public void Decode_RepeatsAndBlanks_MergesRepeatsAndKeepsLettersSplitByABlank()
    {
        // Classes: blank, a, b, then the space. Steps' best classes: a a blank a b b space blank.
        var decoder = new CtcGreedyDecoder(["a", "b"]);
        int[] best = [1, 1, 0, 1, 2, 2, 3, 0];
        float[] confidence = [0.9f, 0.8f, 0.99f, 0.7f, 0.6f, 0.5f, 0.4f, 0.99f];
        var probabilities = new float[best.Length * 4];
        for (var t = 0; t < best.Length; t++)
        {
            for (var c = 0; c < 4; c++)
            {
                probabilities[(t * 4) + c] = c == best[t] ? confidence[t] : (1 - confidence[t]) / 3;
            }
        }

        var (text, score) = decoder.Decode(probabilities, best.Length);

        Assert.Equal(4, decoder.ClassCount);
        Assert.Equal("aab ", text);
        // The kept steps are the first a, the a after the blank, the first b and the space.
        Assert.Equal((0.9f + 0.7f + 0.6f + 0.4f) / 4, score, 5);
    }

    [Fact]
    public void Decode_OnlyBlanks_IsEmptyWithScoreZero()
    {
        var decoder = new CtcGreedyDecoder(["a"]);

        Assert.Equal((string.Empty, 0f), decoder.Decode([1f, 0f, 0f, 1f, 0f, 0f], 2));
    }

    [Fact]
    public void Decode_WrongLength_IsRefused()
    {
        var decoder = new CtcGreedyDecoder(["a"]);

        Assert.Equal(EngineErrorKind.BadInput, Assert.Throws<EngineException>(() => decoder.Decode(new float[5], 2)).Kind);
    }
}
