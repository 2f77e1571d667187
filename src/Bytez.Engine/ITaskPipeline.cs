using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// One task: reads the Bytez input forms of a run request, drives a model instance and shapes the output exactly
/// as the Bytez API answers for that task.
/// </summary>
public interface ITaskPipeline
{
    /// <summary>The task names this pipeline serves.</summary>
    IReadOnlyCollection<string> Tasks { get; }

    /// <summary>Runs one request. Throws <see cref="EngineException"/> for bad input.</summary>
    ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken);
}
