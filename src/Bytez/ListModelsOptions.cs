namespace Bytez;

/// <summary>Filters of <see cref="BytezListApi.ModelsAsync(ListModelsOptions, CancellationToken)"/>.</summary>
public sealed class ListModelsOptions
{
    /// <summary>Only models of this task, for example <c>chat</c>; <see langword="null"/> for every task.</summary>
    public string? Task { get; set; }

    /// <summary>Only the model with this id, for example <c>Qwen/Qwen3-4B</c>; <see langword="null"/> for all.</summary>
    public string? ModelId { get; set; }
}
