namespace Bytez.Hub.Jobs;

/// <summary>A model the installer accepted: measured, smoke-tested and in the catalog.</summary>
/// <param name="ModelId">The id it is served under.</param>
/// <param name="Task">The task it is listed under.</param>
/// <param name="RamBytes">Resident memory its instance took when loaded, in bytes.</param>
/// <param name="ParameterCount">Parameters counted from the weights.</param>
public sealed record InstalledModel(string ModelId, string Task, long RamBytes, long ParameterCount);

/// <summary>
/// The host's side of a model request (the hub project does not know the engine): what the engine can run, whether a
/// model is already served, and accepting downloaded files into the catalog after loading and running them once.
/// </summary>
public interface IModelInstaller
{
    /// <summary>The tasks and formats the engine can run, for the planner.</summary>
    SupportedModels Supported { get; }

    /// <summary>Whether the catalog already serves a model with this id.</summary>
    bool IsAvailable(string modelId);

    /// <summary>
    /// Loads the model at <paramref name="modelPath"/> once, measures its resident memory, runs one inference of its
    /// task, then adds it to the catalog (durably, so it is served after a restart).
    /// </summary>
    /// <exception cref="Exception">The files are not a model the engine can load or run; the message says why.</exception>
    Task<InstalledModel> InstallAsync(string modelId, DownloadPlan plan, string modelPath, CancellationToken cancellationToken);
}
