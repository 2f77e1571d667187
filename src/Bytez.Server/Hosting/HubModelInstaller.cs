using Bytez.Engine;
using Bytez.Hub;
using Bytez.Hub.Jobs;
using Bytez.Protocol;

namespace Bytez.Server.Hosting;

/// <summary>
/// Accepts downloaded models into the engine: describes the files with the model store's formats, loads one
/// instance (its resident memory is measured at load), runs the smoke request its task's pipeline declares
/// (<see cref="TaskContract.SmokeRequest"/>), then registers the model in the store (a manifest pointing into the hub cache, so it is served after a restart) and the catalog.
/// </summary>
public sealed class HubModelInstaller(InferenceEngine engine, ModelStore store) : IModelInstaller
{
    /// <inheritdoc />
    public SupportedModels Supported { get; } = new()
    {
        Tasks = engine.SupportedTasks.ToHashSet(StringComparer.Ordinal),
        Formats = new HashSet<string>(StringComparer.Ordinal) { ModelFormats.Onnx, ModelFormats.Gguf },
        Layout = EngineModelLayout.Instance,
    };

    /// <inheritdoc />
    public bool IsAvailable(string modelId) => engine.Catalog.Find(modelId) is not null;

    /// <inheritdoc />
    public async Task<InstalledModel> InstallAsync(string modelId, DownloadPlan plan, string modelPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);

        // Hub repositories say text-generation for chat models too; the format tells them apart by the chat template.
        var task = plan.Task == BytezTasks.TextGeneration ? null : plan.Task;
        var model = store.Inspect(modelPath, modelId, task) with { Source = ModelSource.Hub };
        var ramBytes = await engine.TryOutAsync(model, cancellationToken).ConfigureAwait(false);
        store.Add(modelPath, modelId, model.Task, ModelSource.Hub);
        engine.Catalog.Add(model);
        return new InstalledModel(model.Id, model.Task, ramBytes, model.ParameterCount);
    }
}
