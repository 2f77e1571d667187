using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Media;
using Bytez.Engine.LlamaCpp;
using Bytez.Engine.Onnx;
using Bytez.Engine.Metrics;
using Bytez.Engine.Scheduling;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tokenization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bytez.Server.Hosting;

/// <summary>Registers the engine: model store and catalog, runtimes, task pipelines and the engine itself.</summary>
public static partial class EngineServices
{
    /// <summary>The file under the data directory that keeps the clusters users configured.</summary>
    public static string ClustersPath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "clusters.json");
    }

    /// <summary>The file under the data directory that keeps measured model memory.</summary>
    public static string MemoryRecordsPath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "model-memory.json");
    }

    /// <summary>The model store of the configured models directory, reading ONNX folders and GGUF files.</summary>
    public static ModelStore CreateStore(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ModelStore(options.ResolvedModelsPath, [new OnnxModelFormat(options.OnnxDecoder), new GgufModelFormat(options.LlamaCpp)]);
    }

    /// <summary>Adds the engine and fills the catalog: the embedded models (installed on first start) and every model in the store.</summary>
    public static IServiceCollection AddBytezEngine(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Onnx.Validate();
        services.AddSingleton(options.Onnx);
        services.AddSingleton(options.LlamaCpp);
        options.OnnxDecoder.Validate();
        services.AddSingleton(options.OnnxDecoder);
        options.Tokenizers.Validate();
        services.AddSingleton(options.Tokenizers);
        services.AddSingleton(_ => CreateStore(options));
        services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Bytez.Server.Models");
            if (options.EmbeddedModels)
            {
                EmbeddedModels.EnsureExtracted(options.ResolvedModelsPath);
                EmbeddedMediaModels.EnsureInstalled(
                    options.ResolvedModelsPath, (spec, error) => LogEmbeddedMissing(logger, spec.Id, error.Message));
            }

            var catalog = new ModelCatalog();
            catalog.AddRange(provider.GetRequiredService<ModelStore>().Scan(failure =>
            {
                LogSkipped(logger, failure.ModelId, failure.Path, failure.Error);
                catalog.AddFailure(failure);
            }));
            return catalog;
        });
        // The data directory and what the server creates in it are the server user's only (0700 folders).
        PrivateFiles.CreateDirectory(options.Home);
        PrivateFiles.CreateDirectory(Path.Combine(options.Home, "state"));
        PrivateFiles.CreateDirectory(options.ResolvedModelsPath);
        services.AddSingleton(_ => new ModelMemoryRecords(MemoryRecordsPath(options)));
        options.Scheduler.Validate();
        services.AddSingleton(options.Scheduler);
        options.Templates.Validate();
        services.AddSingleton(options.Templates);
        options.Requests.Validate();
        services.AddSingleton(options.Requests);
        services.TryAddSingleton(TimeProvider.System);
        // What the media pipelines take in their constructors: the reader of media inputs and the decoders' limits.
        options.Media.Validate();
        services.AddSingleton(options.Media.Limits());
        services.TryAddSingleton<IMediaFetcher, UrlRefusingMediaFetcher>();
        services.AddSingleton<MediaReader>();
        services.AddSingleton(provider =>
        {
            // Only catalog models get their own label (ids from clients would grow the series without bound).
            var catalog = provider.GetRequiredService<ModelCatalog>();
            return new EngineMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>(), id => catalog.Find(id) is not null);
        });
        services.AddSingleton<IClusterStore>(_ => new JsonClusterStore(ClustersPath(options)));
        services.AddSingleton<ModelScheduler>();
        services.AddHostedService<ClusterRestoreService>();
        services.AddSingleton<IModelRuntime, OnnxRuntime>();
        services.AddSingleton<IModelRuntime, OnnxDecoderRuntime>();
        services.AddSingleton<IModelRuntime, LlamaCppRuntime>();
        // The task table: one line per pipeline; its contract names the tasks it serves.
        services.AddSingleton<ITaskPipeline, EmbeddingPipeline>();
        services.AddSingleton<ITaskPipeline, GenerationPipeline>();
        services.AddSingleton<ITaskPipeline, TextClassificationPipeline>();
        services.AddSingleton<ITaskPipeline, TokenClassificationPipeline>();
        services.AddSingleton<ITaskPipeline, QuestionAnsweringPipeline>();
        services.AddSingleton<ITaskPipeline, FillMaskPipeline>();
        services.AddSingleton<ITaskPipeline, ZeroShotClassificationPipeline>();
        services.AddSingleton<ITaskPipeline, TextRankingPipeline>();
        services.AddSingleton<ITaskPipeline, Text2TextGenerationPipeline>();
        services.AddSingleton<ITaskPipeline, ImageToTextPipeline>();
        services.AddSingleton<ITaskPipeline, ImageClassificationPipeline>();
        services.AddSingleton<ITaskPipeline, ImageFeatureExtractionPipeline>();
        services.AddSingleton<ITaskPipeline, ObjectDetectionPipeline>();
        services.AddSingleton<ITaskPipeline, AudioClassificationPipeline>();
        services.AddSingleton<ITaskPipeline, AutomaticSpeechRecognitionPipeline>();
        services.AddSingleton<ITaskPipeline, ImageSegmentationPipeline>();
        services.AddSingleton<ITaskPipeline, DepthEstimationPipeline>();
        services.AddSingleton<ITaskPipeline, TextToSpeechPipeline>();
        services.AddSingleton<ITaskPipeline, ZeroShotImageClassificationPipeline>();
        services.AddSingleton<InferenceEngine>();
        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The embedded model {ModelId} is not installed: {Reason}")]
    private static partial void LogEmbeddedMissing(ILogger logger, string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the model folder {ModelId} ({Folder}): {Reason}. It is listed by GET list/failed.")]
    private static partial void LogSkipped(ILogger logger, string modelId, string folder, string reason);

    /// <summary>Brings back the clusters users configured (with their warm minimums) when the host starts.</summary>
    internal sealed class ClusterRestoreService(ModelScheduler scheduler, ModelCatalog catalog) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            scheduler.RestoreClusters(catalog.Find);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
