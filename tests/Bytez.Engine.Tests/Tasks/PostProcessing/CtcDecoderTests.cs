using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="CtcDecoder"/> against the rules of transformers 4.57's <c>Wav2Vec2CTCTokenizer.decode</c>
/// (<c>skip_special_tokens=False</c>, as the speech pipeline calls it for CTC), with hand-worked expectations.
/// </summary>
public sealed class CtcDecoderTests
{
    // 0 <pad>, 1 <s>, 2 </s>, 3 <unk>, 4 |, 5 A, 6 B, 7 ', 8 m, 9 I
    private static readonly string[] Tokens = ["<pad>", "<s>", "</s>", "<unk>", "|", "A", "B", "'", "m", "I"];

    [Fact]
    public void Decode_GroupsRepeats_DropsBlanks_DelimiterIsASpace_EndsStripped()
    {
        var decoder = new CtcDecoder(Tokens);

        var (text, characters) = decoder.Decode([4, 5, 5, 0, 5, 6, 4, 4, 0, 6, 4]);

        Assert.Equal("AAB B", text);
        Assert.Equal(
            [new CtcPiece(" ", 0, 1), new("A", 1, 3), new("A", 4, 5), new("B", 5, 6), new(" ", 6, 8), new("B", 9, 10), new(" ", 10, 11)],
            characters);
        Assert.Equal([new CtcPiece("AAB", 1, 6), new("B", 9, 10)], CtcDecoder.Words(characters));
    }

    [Fact]
    public void Decode_SpecialTokensKept_UnknownIdsAreUnk()
    {
        var decoder = new CtcDecoder(Tokens);

        Assert.Equal("<s>A<unk>", decoder.Decode([1, 5, 99, 99]).Text);
    }

    [Fact]
    public void Decode_LowerCaseAndCleanUp_WhenConfigured()
    {
        var lower = new CtcDecoder(Tokens, lowerCase: true);
        var cleaned = new CtcDecoder(Tokens, cleanUpSpaces: true);
        int[] iAm = [9, 4, 7, 8]; // "I 'm"

        Assert.Equal("i 'm", lower.Decode(iAm).Text);
        Assert.Equal("I'm", cleaned.Decode(iAm).Text); // clean_up_tokenization joins " 'm"
        Assert.Equal("I 'm", new CtcDecoder(Tokens).Decode(iAm).Text); // 4.57's default: no clean-up
        Assert.Equal("", new CtcDecoder(Tokens).Decode([0, 0, 4]).Text);
    }
}
