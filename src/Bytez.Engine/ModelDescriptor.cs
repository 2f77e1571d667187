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
}
