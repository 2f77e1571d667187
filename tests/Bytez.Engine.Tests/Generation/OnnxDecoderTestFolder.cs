using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>A temporary folder for tiny ONNX decoders, deleted on dispose.</summary>
internal sealed class OnnxDecoderTestFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("bytez-onnx-decoder-").FullName;

    public static OnnxRuntimeOptions RuntimeOptions => new() { IntraOpThreads = 1 };

    public OnnxDecoderModel Write(string name, OnnxDecoderModelOptions? options = null)
        => OnnxDecoderModelWriter.Write(Path.Combine(Root, name), options);

    public static ModelDescriptor Descriptor(string folder)
        => new() { Id = "test/" + Path.GetFileName(folder), Task = "text-generation", Path = folder, Source = ModelSource.Local };

    public static OnnxDecoderInstance Load(OnnxDecoderModel model, OnnxDecoderOptions? options = null)
        => OnnxDecoderLoader.Load(Descriptor(model.Folder), RuntimeOptions, options ?? OnnxDecoderOptions.Default, TestContext.Current.CancellationToken);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
