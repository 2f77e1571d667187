using System.Text.Json.Nodes;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>Recognising and loading encoder-decoder folders.</summary>
public sealed class OnnxSeq2SeqLoaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bytez-seq2seq-loader-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged, Seq2SeqDecoderLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split, Seq2SeqDecoderLayout.Split)]
    [InlineData(Seq2SeqWriterLayout.NoCache, Seq2SeqDecoderLayout.NoCache)]
    public void IsSeq2SeqFolder_EachLayout_RecognisedAndNotADecoder(Seq2SeqWriterLayout written, Seq2SeqDecoderLayout found)
    {
        var model = OnnxSeq2SeqModelWriter.Write(Path.Combine(_root, written.ToString()), new OnnxSeq2SeqModelOptions { Layout = written });
        Assert.True(OnnxSeq2SeqLoader.IsSeq2SeqFolder(model.Folder));
        Assert.Equal(found, OnnxSeq2SeqLoader.FindFiles(model.Folder)!.Layout);
        Assert.False(OnnxDecoderLoader.IsDecoderFolder(model.Folder));
    }

    [Fact]
    public void IsSeq2SeqFolder_DecoderOnlyOrMissing_False()
    {
        var decoder = OnnxDecoderModelWriter.Write(Path.Combine(_root, "decoder"));
        Assert.False(OnnxSeq2SeqLoader.IsSeq2SeqFolder(decoder.Folder));
        Assert.False(OnnxSeq2SeqLoader.IsSeq2SeqFolder(Path.Combine(_root, "nope")));
    }

    [Fact]
    public void IsSeq2SeqFolder_FilesAtTheRoot_Recognised()
    {
        var model = OnnxSeq2SeqModelWriter.Write(Path.Combine(_root, "root"));
        foreach (var file in Directory.GetFiles(Path.Combine(model.Folder, "onnx")))
        {
            File.Move(file, Path.Combine(model.Folder, Path.GetFileName(file)));
        }

        Assert.Equal(Path.Combine(model.Folder, "decoder_model_merged.onnx"), OnnxSeq2SeqLoader.FindFiles(model.Folder)!.Decoder);
    }

    [Fact]
    public void Load_WithoutTokenizer_NotSupportedNamingIt()
    {
        var model = OnnxSeq2SeqModelWriter.Write(Path.Combine(_root, "notok"));
        File.Delete(Path.Combine(model.Folder, "tokenizer.json"));
        var e = Assert.Throws<EngineException>(() => OnnxSeq2SeqLoader.Load(
            new ModelDescriptor { Id = "t/notok", Task = "summarization", Path = model.Folder, Source = ModelSource.Local }, new OnnxRuntimeOptions(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GuessTask_FromTheConfiguration()
    {
        var plain = OnnxSeq2SeqModelWriter.Write(Path.Combine(_root, "plain"));
        Assert.Equal("text2text-generation", OnnxSeq2SeqLoader.GuessTask(plain.Folder));
        var cnn = OnnxSeq2SeqModelWriter.Write(Path.Combine(_root, "cnn"), new OnnxSeq2SeqModelOptions
        {
            TaskSpecificParams = new JsonObject { ["summarization"] = new JsonObject { ["num_beams"] = 4 } },
        });
        Assert.Equal("summarization", OnnxSeq2SeqLoader.GuessTask(cnn.Folder));
    }
}
