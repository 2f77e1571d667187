using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Embedded;

namespace Bytez.Engine.Tests.Embedded;

/// <summary>The embedded media models installed once into the shared test model folder, and their runners opened once.</summary>
internal static class EmbeddedRunners
{
    private static readonly OnnxRuntimeOptions Options = new() { IntraOpThreads = 2 };
    private static readonly Lazy<ResNet18Featurizer> ResNet = new(() => ResNet18Featurizer.Open(Install(EmbeddedMediaModels.ResNet18), Options));
    private static readonly Lazy<PaddleOcr> Ocr = new(() => PaddleOcr.Open(Install(EmbeddedMediaModels.PpOcrV4), Options));
    private static readonly Lazy<SileroVad> Vad = new(() => SileroVad.Open(Install(EmbeddedMediaModels.SileroVad), Options));

    public static ResNet18Featurizer ResNet18 => ResNet.Value;

    public static PaddleOcr PpOcrV4 => Ocr.Value;

    public static SileroVad SileroVad => Vad.Value;

    public static string Install(EmbeddedFileModelSpec spec) => EmbeddedMediaModels.EnsureInstalled(TestModels.Root, spec).Path;
}
