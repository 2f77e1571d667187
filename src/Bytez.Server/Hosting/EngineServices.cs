using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Hosting;

/// <summary>Registers the engine: catalog, runtimes, task pipelines and the engine itself.</summary>
public static class EngineServices
{
    /// <summary>The file under the data directory that keeps measured model memory.</summary>
    public static string MemoryRecordsPath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "model-memory.json");
    }

    /// <summary>Adds the engine and fills the catalog (installing the embedded models on first start).</summary>
    public static IServiceCollection AddBytezEngine(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(_ =>
        {
            var catalog = new ModelCatalog();
            if (options.EmbeddedModels)
            {
                catalog.AddRange(EmbeddedModels.EnsureExtracted(options.ResolvedModelsPath));
            }

            return catalog;
        });
        services.AddSingleton(_ => new ModelMemoryRecords(MemoryRecordsPath(options)));
        options.Onnx.Validate();
        services.AddSingleton(options.Onnx);
        services.AddSingleton<IModelRuntime, OnnxRuntime>();
        services.AddSingleton<ITaskPipeline, EmbeddingPipeline>();
        services.AddSingleton<InferenceEngine>();
        return services;
    }
}
