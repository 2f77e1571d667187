using Bytez.Hub.Jobs;
using Bytez.Protocol;
using Bytez.Server.Apis;
using Bytez.Server.Auth;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>request_model</c>: asks the server to fetch a model from the hub, as <c>POST /models/v2/request/{org}/{name}</c>
/// does: the same queue, the same answers (<c>Job queued</c>, <c>Model is already queued</c>, <c>Model available</c>),
/// and the same checks of the caller's key: the <c>models:request</c> scope and the allowed models
/// (<see cref="ToolScopes"/>).
/// </summary>
public sealed class RequestModelTool(ModelRequestQueue queue, IHttpContextAccessor requests, ILoggerFactory loggers) : BytezTool(
    new Tool
    {
        Name = "request_model",
        Description = "Asks this server to download a model from the Hugging Face hub, check it, measure it and serve it. "
            + "Answers 'Job queued' (follow it with get_request), 'Model is already queued' or 'Model available' (it can "
            + "be run now).",
        Annotations = new ToolAnnotations
        {
            Title = "Request a model", ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = true,
        },
    },
    """
    {
      "type": "object",
      "properties": {
        "model": { "type": "string", "description": "The hub repository id, org/name, such as sentence-transformers/all-MiniLM-L6-v2." },
        "revision": { "type": "string", "description": "A branch, tag or commit; default main." },
        "webhook": { "type": "string", "description": "An http(s) URL the server posts the job's final state to." }
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
        ToolScopes.Demand(requests, ApiKeyScopes.ModelsRequest, "request_model");
        var modelId = arguments.Required("model", "a hub repository id such as org/name");
        ToolScopes.DemandModel(requests, modelId);
        var revision = arguments.String("revision");
        var webhook = arguments.String("webhook");
        var options = revision is null && webhook is null ? null : new ModelRequestOptions { Revision = revision, Webhook = webhook };
        var outcome = await queue.RequestAsync(modelId, options, cancellationToken).ConfigureAwait(false);
        Usage.DownloadUsage.Report(modelId, outcome);
        return ToolResults.Text(RequestApi.Message(outcome));
    }
}
