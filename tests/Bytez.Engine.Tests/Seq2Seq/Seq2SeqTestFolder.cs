using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>A temporary folder of tiny encoder-decoders, loaded in real ONNX Runtime sessions; deleted on dispose.</summary>
internal sealed class Seq2SeqTestFolder : IDisposable
{
    private readonly List<OnnxSeq2SeqInstance> _loaded = [];
    private int _count;

    public string Root { get; } = Directory.CreateTempSubdirectory("bytez-seq2seq-").FullName;

    public OnnxSeq2SeqInstance Load(OnnxSeq2SeqModelOptions? options = null, OnnxRuntimeOptions? runtime = null)
    {
        var model = OnnxSeq2SeqModelWriter.Write(Path.Combine(Root, "m" + Interlocked.Increment(ref _count)), options);
        var instance = OnnxSeq2SeqLoader.Load(
            new ModelDescriptor { Id = "test/" + Path.GetFileName(model.Folder), Task = "text2text-generation", Path = model.Folder, Source = ModelSource.Local },
            runtime ?? new OnnxRuntimeOptions { IntraOpThreads = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        _loaded.Add(instance);
        return instance;
    }

    public static Seq2SeqRequest Prepare(ISeq2SeqInstance model, string text, string json, string task = "text2text-generation")
    {
        using var document = JsonDocument.Parse(json);
        return Seq2SeqGenerator.Prepare(model, text, task, document.RootElement.Clone());
    }

    public static async Task<IReadOnlyList<string>> GenerateAsync(ISeq2SeqInstance model, string text, string json, string task = "text2text-generation")
        => await Seq2SeqGenerator.GenerateAsync(Prepare(model, text, json, task), TestContext.Current.CancellationToken);

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
