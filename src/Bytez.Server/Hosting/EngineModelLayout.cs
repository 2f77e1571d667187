using Bytez.Engine.Layouts;
using Bytez.Hub.Planning;

namespace Bytez.Server.Hosting;

/// <summary>
/// The engine's file layouts (<see cref="OnnxLayout"/>) as the hub planner asks for them: the one join between the
/// two projects' views of which files make a model, so the planner downloads exactly what the loaders open.
/// </summary>
public sealed class EngineModelLayout : IModelLayout
{
    /// <summary>The instance (the layouts are static knowledge).</summary>
    public static EngineModelLayout Instance { get; } = new();

    /// <inheritdoc />
    public IReadOnlyList<string> SupportFiles => OnnxLayout.SupportFiles;

    /// <inheritdoc />
    public WeightFamily FamilyOf(string task) => ToHub(OnnxLayout.FamilyOf(task));

    /// <inheritdoc />
    public WeightFamily FamilyOf(string task, bool encoderDecoder) => ToHub(OnnxLayout.FamilyOf(task, encoderDecoder));

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<string>> WeightSets(WeightFamily family, string? variant) => OnnxLayout.WeightSets(ToEngine(family), variant);

    /// <inheritdoc />
    public IReadOnlyList<string> VariantsPresent(WeightFamily family, IEnumerable<string> paths) => OnnxLayout.VariantsPresent(ToEngine(family), paths);

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<string>> RequiredEncoderFiles(string task) => OnnxLayout.RequiredEncoderFiles(task);

    /// <inheritdoc />
    public bool IsSupportFile(string path) => OnnxLayout.IsSupportFile(path);

    /// <inheritdoc />
    public bool IsExternalDataOf(string path, string onnxPath) => OnnxLayout.IsExternalDataOf(path, onnxPath);

    /// <inheritdoc />
    public bool IsEncoderDecoderModelType(string modelType) => OnnxLayout.EncoderDecoderModelTypes.Contains(modelType);

    private static WeightFamily ToHub(OnnxFamily family) => family switch
    {
        OnnxFamily.Decoder => WeightFamily.Decoder,
        OnnxFamily.Seq2Seq => WeightFamily.Seq2Seq,
        _ => WeightFamily.Encoder,
    };

    private static OnnxFamily ToEngine(WeightFamily family) => family switch
    {
        WeightFamily.Decoder => OnnxFamily.Decoder,
        WeightFamily.Seq2Seq => OnnxFamily.Seq2Seq,
        _ => OnnxFamily.Encoder,
    };
}
