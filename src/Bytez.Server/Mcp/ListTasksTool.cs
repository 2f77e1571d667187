using Bytez.Engine;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>list_tasks</c>: the tasks this server can run, each with what its requests take (keys, parameters) and what it
/// answers: what a model needs to call <c>run_model</c> right (the task contracts of the pipelines).
/// </summary>
public sealed class ListTasksTool(InferenceEngine engine, ILoggerFactory loggers) : BytezTool(
    new Tool
    {
        Name = "list_tasks",
        Description = "Lists the tasks this server can run (chat, text-generation, feature-extraction, ...), each with the "
            + "request keys it reads (input, text, messages, url, ...), its parameters (name, type, default, what it does) "
            + "and the shape of its output: how to call run_model for a model of that task.",
        Annotations = ReadOnly("List tasks"),
    },
    """
    {
      "type": "object",
      "properties": {
        "task": { "type": "string", "description": "Only this task." }
      },
      "additionalProperties": false
    }
    """,
    loggers)
{
    /// <inheritdoc />
    protected override ValueTask<CallToolResult> CallAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var only = arguments.String("task");
        var tasks = engine.SupportedTasks.Where(t => string.IsNullOrEmpty(only) || t == only).ToList();
        if (tasks.Count == 0)
        {
            throw EngineException.NotFound($"This server does not run the task '{only}'; it runs: {string.Join(", ", engine.SupportedTasks)}.");
        }

        var streaming = engine.StreamingTasks;
        var list = ToolResults.Object(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("tasks");
            foreach (var task in tasks)
            {
                w.WriteStartObject();
                w.WriteString("task", task);
                w.WriteBoolean("streams", streaming.Contains(task));
                ModelDescription.WriteContract(w, engine.FindContract(task)!);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return ValueTask.FromResult(ToolResults.Json(list));
    }
}
