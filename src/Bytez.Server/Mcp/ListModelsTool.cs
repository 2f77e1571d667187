using Bytez.Engine;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>list_models</c>: the models this server serves, optionally of one task or one id, each with its task, size, the
/// memory an instance takes and whether one is loaded (<see cref="ModelDescription"/>).
/// </summary>
public sealed class ListModelsTool(InferenceEngine engine, ILoggerFactory loggers) : BytezTool(
    new Tool
    {
        Name = "list_models",
        Description = "Lists the models this server runs, each with its task (such as chat, text-generation, "
            + "feature-extraction, text-classification), billions of parameters, the GB of memory an instance takes "
            + "(ramMeasured: measured once loaded, else estimated) and its state (not loaded, loading, running, stopped, failed). "
            + "Filter by task or by model id. Use a listed modelId with run_model.",
        Annotations = ReadOnly("List models"),
    },
    """
    {
      "type": "object",
      "properties": {
        "task": { "type": "string", "description": "Only models of this task, such as chat or feature-extraction (list_tasks shows them)." },
        "model": { "type": "string", "description": "Only the model with this id (org/name)." }
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
        var task = arguments.String("task");
        var model = arguments.String("model");
        var list = ToolResults.Object(w => ModelDescription.WriteList(w, engine, string.IsNullOrEmpty(task) ? null : task, string.IsNullOrEmpty(model) ? null : model));
        return ValueTask.FromResult(ToolResults.Json(list));
    }
}
