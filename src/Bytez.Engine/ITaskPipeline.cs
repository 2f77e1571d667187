using Bytez.Engine.Generation;
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

/// <summary>
/// A task that generates text token by token (text-generation, chat): besides the text pieces, it streams
/// <see cref="GenerationUpdate"/>s with token counts, finish reasons and log-probabilities. Its non-streamed answer
/// and its text stream are both made from these updates.
/// </summary>
public interface IGenerationTaskPipeline : IStreamingTaskPipeline
{
    /// <summary>
    /// Checks the request and starts the run; the returned sequence yields the updates of every requested sequence
    /// (one after the other, each ending with an update that carries its finish reason). Bad input throws here.
    /// </summary>
    ValueTask<IAsyncEnumerable<GenerationUpdate>> StartGenerationAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken);
}
