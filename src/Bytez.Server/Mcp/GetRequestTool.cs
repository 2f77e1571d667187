using System.Text.Json;
using Bytez.Engine;
using Bytez.Hub.Jobs;
using Bytez.Protocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>get_request</c>: the state of a model request's job, as <c>GET /models/v2/request/{org}/{name}</c> answers it
/// (state, bytes done of total, error, and once ready the memory measured).
/// </summary>
public sealed class GetRequestTool(ModelRequestQueue queue, ILoggerFactory loggers) : BytezTool(
    new Tool
    {
        Name = "get_request",
        Description = "Shows the job of a model requested with request_model: its state (queued, resolving, downloading, "
            + "verifying, measuring, ready, failed), bytes downloaded of the total, and the error if it failed. When the "
            + "state is ready the model can be run.",
        Annotations = ReadOnly("Check a model request"),
    },
    """
    {
      "type": "object",
      "properties": {
        "model": { "type": "string", "description": "The id given to request_model (org/name)." }
      },
      "required": ["model"],
      "additionalProperties": false
    }
    """,
    loggers)
{
    /// <inheritdoc />
    protected override async ValueTask<CallToolResult> CallAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var modelId = arguments.Required("model", "the id given to request_model (org/name)");
        var status = await queue.GetAsync(modelId, cancellationToken).ConfigureAwait(false)
            ?? throw EngineException.NotFound($"There is no request for {modelId} on this server; request_model makes one.");
        return ToolResults.Json(JsonSerializer.SerializeToElement(status, ProtocolJsonContext.Default.ModelRequestStatus));
    }
}
