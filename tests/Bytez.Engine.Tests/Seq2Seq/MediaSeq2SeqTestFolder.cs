using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>A temporary folder of tiny Whisper and VisionEncoderDecoder models loaded in real ONNX Runtime sessions; deleted on dispose.</summary>
internal sealed class MediaSeq2SeqTestFolder : IDisposable
{
    private readonly List<OnnxSeq2SeqInstance> _loaded = [];
    private int _count;

    public string Root { get; } = Directory.CreateTempSubdirectory("bytez-media-seq2seq-").FullName;

    public string NewFolder() => Path.Combine(Root, "m" + Interlocked.Increment(ref _count));

    public OnnxSeq2SeqInstance LoadWhisper(WhisperModelOptions? options = null)
        => Load(WhisperModelWriter.Write(NewFolder(), options).Folder, "automatic-speech-recognition");

    public OnnxSeq2SeqInstance LoadVisionEncoderDecoder(VisionEncoderDecoderOptions? options = null)
        => Load(VisionEncoderDecoderModelWriter.Write(NewFolder(), options).Folder, "image-to-text");

    public OnnxSeq2SeqInstance Load(string folder, string task)
    {
        var instance = OnnxSeq2SeqLoader.Load(
            new ModelDescriptor { Id = "test/" + Path.GetFileName(folder), Task = task, Path = folder, Source = ModelSource.Local },
            new OnnxRuntimeOptions { IntraOpThreads = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        _loaded.Add(instance);
        return instance;
    }

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public void Dispose()
    {
        foreach (var instance in _loaded)
        {
            instance.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
