using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// The tiny dual encoders' tokenizers (<see cref="DualEncoderModelWriter"/>) encode the default hypothesis as designed,
/// in Hugging Face's Rust tokenizers (the oracle) and in ours alike: CLIP lowercases and splits off the period,
/// SigLIP lowercases and drops it.
/// </summary>
public sealed class DualEncoderModelTests
{
    [Theory]
    [InlineData(DualEncoderStyle.Clip, "This is a  photo of Dark green.", "<|startoftext|> this</w> is</w> a</w> photo</w> of</w> dark</w> green</w> .</w> <|endoftext|>")]
    [InlineData(DualEncoderStyle.Siglip, "This is a  photo of Dark green.", "▁this ▁is ▁a ▁photo ▁of ▁dark ▁green </s>")]
    public void Hypothesis_EncodesToTheDesignedTokens_AsTheOracleDoes(DualEncoderStyle style, string text, string expected)
    {
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder($"dual-tokens-{style}"), style);
        var ours = HfTokenizer.FromDirectory(model.Folder);
        using var oracle = new Tokenizers.DotNet.Tokenizer(Path.Combine(model.Folder, "tokenizer.json"));

        var ids = ours.Encode(text, null).Ids;

        Assert.Equal(expected.Split(' '), ids.Select(id => ours.TokenToString(id)!));
        Assert.Equal(oracle.Encode(text).Select(id => (int)id), ids);
    }
}
