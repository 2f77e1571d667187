namespace Bytez.Engine;

/// <summary>Where a catalog entry came from.</summary>
public enum ModelSource
{
    /// <summary>Shipped with the server, extracted from a NuGet package at first use.</summary>
    Embedded,

    /// <summary>Registered from a local file or folder.</summary>
    Local,

    /// <summary>Downloaded from a model hub.</summary>
    Hub,
}

/// <summary>A model the server knows: its id, task, files on disk and size.</summary>
public sealed record ModelDescriptor
{
    /// <summary>The model id, <c>org/name</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The task the model is listed under (its Hugging Face pipeline tag).</summary>
    public required string Task { get; init; }

    /// <summary>The folder that holds the model in the Hugging Face layout.</summary>
    public required string Path { get; init; }

    /// <summary>Where the model came from.</summary>
    public ModelSource Source { get; init; }

    /// <summary>Parameter count, counted from the weights.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Bytes an instance is expected to take before one has been loaded (weights plus runtime overhead).</summary>
    public long EstimatedRamBytes { get; init; }

    /// <summary>The size of the weight files on disk: the least memory an instance takes, whatever a measurement says.</summary>
    public long WeightBytes { get; init; }

    /// <summary>
    /// The <see cref="IModelFormat.Name"/> of the format that recognised the files, or <see langword="null"/> for a
    /// descriptor no format made (the embedded models' sidecar). Recorded in the store's manifest, so a scan asks that
    /// format alone.
    /// </summary>
    public string? Format { get; init; }

    /// <summary>
    /// The weight files the format chose, relative to <see cref="Path"/> with <c>/</c>, the file that names the model
    /// first (for example <c>onnx/model_quantized.onnx</c>, or <c>onnx/encoder_model.onnx</c> and
    /// <c>onnx/decoder_model_merged.onnx</c>); empty when the format records none. Loaders open these instead of
    /// looking for files again.
    /// </summary>
    public IReadOnlyList<string> WeightFiles { get; init; } = [];

    /// <summary>
    /// The precision variant these files were chosen as for a request (the transformers.js <c>dtype</c> name, such as
    /// <c>q4</c>: see <see cref="ModelVariants"/>), or <see langword="null"/> for the format's own choice.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>
    /// Whether two descriptors describe the same model and files: every property equal, <see cref="WeightFiles"/> by
    /// content (the generated record equality compared the lists by reference, so every rescan of the models directory
    /// saw each ONNX model as changed and unloaded its instances).
    /// </summary>
    public bool Equals(ModelDescriptor? other) =>
        other is not null
        && Id == other.Id
        && Task == other.Task
        && Path == other.Path
        && Source == other.Source
        && ParameterCount == other.ParameterCount
        && EstimatedRamBytes == other.EstimatedRamBytes
        && WeightBytes == other.WeightBytes
        && Format == other.Format
        && Variant == other.Variant
        && WeightFiles.SequenceEqual(other.WeightFiles, StringComparer.Ordinal);

    /// <summary>A hash consistent with <see cref="Equals(ModelDescriptor)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Id);
        hash.Add(Task);
        hash.Add(Path);
        hash.Add(Source);
        hash.Add(ParameterCount);
        hash.Add(EstimatedRamBytes);
        hash.Add(WeightBytes);
        hash.Add(Format);
        hash.Add(Variant);
        foreach (var file in WeightFiles)
        {
            hash.Add(file, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>The first of <see cref="WeightFiles"/> as a full path, or <see langword="null"/> when none is recorded.</summary>
    public string? MainWeightFile => WeightFiles.Count == 0 ? null : System.IO.Path.Combine(Path, WeightFiles[0].Replace('/', System.IO.Path.DirectorySeparatorChar));
}
