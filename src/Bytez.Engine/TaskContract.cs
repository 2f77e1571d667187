using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// What a task pipeline declares about itself: the task names it serves, the request keys it reads, its parameters,
/// the shape of its output, the files it needs from a model repository and its smallest request. The engine, the
/// server (<c>list/tasks</c>, the smoke run after a download) and the documentation read it instead of knowing tasks.
/// </summary>
public sealed record TaskContract
{
    /// <summary>The task names served (the first is the canonical one; the others are aliases).</summary>
    public required IReadOnlyList<string> Tasks { get; init; }

    /// <summary>The top-level request keys read (<c>text</c>, <c>input</c>, <c>messages</c>, <c>context</c>, ...).</summary>
    public required IReadOnlyList<string> InputKeys { get; init; }

    /// <summary>The parameters read from <c>params</c>; any other name is refused, naming these.</summary>
    public required IReadOnlyList<TaskParameter> Parameters { get; init; }

    /// <summary>The shape of the output as the Bytez API answers, for documentation (<c>[{"label", "score"}]</c>).</summary>
    public required string Output { get; init; }

    /// <summary>
    /// The files a model of this task needs from a repository, as glob patterns relative to its root (<c>*</c> within a
    /// folder, <c>**</c> across folders); weights are chosen by the model format, these are what the task adds.
    /// </summary>
    public required IReadOnlyList<string> RepositoryFiles { get; init; }

    /// <summary>The smallest meaningful request of a task (run once after a model is downloaded, to try it out).</summary>
    public required Func<string, RunRequest> SmokeRequest { get; init; }

    /// <summary>The names of <see cref="Parameters"/>, in order.</summary>
    public IReadOnlyList<string> ParameterNames => Parameters.Select(p => p.Name).ToList();
}

/// <summary>One parameter a task reads from <c>params</c>.</summary>
/// <param name="Name">The name in <c>params</c> (Hugging Face's spelling).</param>
/// <param name="Type">The JSON type it takes, as documented (<c>integer</c>, <c>string</c>, <c>boolean</c>, ...).</param>
/// <param name="Default">What applies when it is absent, in words or as JSON.</param>
/// <param name="Doc">One sentence on what it does.</param>
public sealed record TaskParameter(string Name, string Type, string Default, string Doc);
