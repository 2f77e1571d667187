using Bytez.Engine.Generation;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>
/// Whisper and VisionEncoderDecoder folders through the ONNX runtime and format: recognised as encoder-decoders under
/// their own tasks, loaded as <see cref="IMediaSeq2SeqInstance"/>s in real ONNX Runtime sessions.
/// </summary>
public sealed class MediaSeq2SeqRuntimeTests : IDisposable
{
    private readonly MediaSeq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Whisper_IsGuessedAsSpeechRecognition_AndLoadsAsAMediaEncoderDecoder()
    {
        var folder = WhisperModelWriter.Write(_folder.NewFolder()).Folder;
        Assert.Equal(BytezTasks.AutomaticSpeechRecognition, OnnxSeq2SeqLoader.GuessTask(folder));
        var descriptor = new ModelDescriptor { Id = "tiny/whisper", Task = BytezTasks.AutomaticSpeechRecognition, Path = folder, Source = ModelSource.Local };
        var runtime = new OnnxRuntime(new OnnxRuntimeOptions { IntraOpThreads = 1 });
        Assert.True(runtime.CanLoad(descriptor));

        using var instance = await runtime.LoadAsync(descriptor, TestContext.Current.CancellationToken);
        var whisper = Assert.IsAssignableFrom<IMediaSeq2SeqInstance>(instance);
        Assert.Equal(Seq2SeqSourceKind.AudioFeatures, whisper.SourceKind);
        Assert.Equal(448, whisper.Info.MaxTargetLength);
        Assert.Equal(1500, whisper.Info.MaxSourceLength);
    }

    [Fact]
    public async Task VisionEncoderDecoder_IsGuessedAsImageToText_AndLoadsAsAMediaEncoderDecoder()
    {
        var folder = VisionEncoderDecoderModelWriter.Write(_folder.NewFolder()).Folder;
        Assert.Equal("image-to-text", OnnxSeq2SeqLoader.GuessTask(folder));
        var descriptor = new ModelDescriptor { Id = "tiny/vit-gpt2", Task = "image-to-text", Path = folder, Source = ModelSource.Local };
        var runtime = new OnnxRuntime(new OnnxRuntimeOptions { IntraOpThreads = 1 });
        Assert.True(runtime.CanLoad(descriptor));

        using var instance = await runtime.LoadAsync(descriptor, TestContext.Current.CancellationToken);
        Assert.Equal(Seq2SeqSourceKind.Pixels, Assert.IsAssignableFrom<IMediaSeq2SeqInstance>(instance).SourceKind);
    }
}
