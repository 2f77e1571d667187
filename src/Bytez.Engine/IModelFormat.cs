namespace Bytez.Engine;

/// <summary>
/// Recognizes one kind of model on disk (a GGUF file, an ONNX folder in the Hugging Face layout, ...) and
/// describes it: its task, its parameter count from the weights, the memory it will need.
/// </summary>
public interface IModelFormat
{
    /// <summary>A short name for messages, for example <c>gguf</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Describes the model at <paramref name="path"/> (a file or a folder) under the id given, or returns
    /// <see langword="null"/> when the files are not of this format. <paramref name="task"/> overrides the task the
    /// format would infer. The descriptor records the files chosen (<see cref="ModelDescriptor.WeightFiles"/>); the
    /// store records the format (<see cref="ModelDescriptor.Format"/>).
    /// </summary>
    /// <exception cref="EngineException">The files are of this format but unusable (the message says why).</exception>
    ModelDescriptor? TryDescribe(string id, string path, string? task);
}
