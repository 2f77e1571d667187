using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests;

/// <summary>The files of the tiny ONNX decoder, written once per run: valid inputs for the mutation properties.</summary>
internal static class TinyDecoderFiles
{
    private static readonly Lazy<OnnxDecoderModel> Model = new(() =>
        OnnxDecoderModelWriter.Write(Path.Combine(Path.GetTempPath(), "bytez-property-decoder-" + Environment.ProcessId)));

    public static string Folder => Model.Value.Folder;

    public static byte[] Onnx => File.ReadAllBytes(Model.Value.OnnxPath);

    public static string Text(string name) => File.ReadAllText(Path.Combine(Model.Value.Folder, name));
}
