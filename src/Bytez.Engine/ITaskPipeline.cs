using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// One task: reads the Bytez input forms of a run request, drives a model instance and shapes the output exactly
/// as the Bytez API answers for that task.
/// </summary>
public interface ITaskPipeline
{
    /// <summary>What the pipeline declares: task names, input keys, parameters, output, repository files, smoke request.</summary>
    TaskContract Contract { get; }

    /// <summary>Runs one request. Throws <see cref="EngineException"/> for bad input.</summary>
    ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken);
}

/// <summary>A task whose output can also be streamed as text pieces.</summary>
public interface IStreamingTaskPipeline : ITaskPipeline
{
    /// <summary>
    /// Checks the request and starts the run; the returned sequence yields the output's text pieces as they are
    /// produced. Bad input throws here, before anything is streamed; failures later surface while enumerating.
    /// </summary>
    ValueTask<IAsyncEnumerable<string>> StartStreamAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken);
}
