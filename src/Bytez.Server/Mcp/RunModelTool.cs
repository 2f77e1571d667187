using System.Text;
using Bytez.Engine;
using Bytez.Server.Apis;
using Bytez.Server.Auth;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>run_model</c>: runs any model of the catalog. The arguments besides <c>model</c> are the body of the Bytez run
/// route (<c>POST /models/v2/{org}/{name}</c>), read by the same <see cref="RunRequestReader"/> and run through the
/// same <see cref="InferenceEngine"/>, so a model answers here what it answers there (<see cref="ToolResults"/> says how
/// outputs become content). With <c>stream: true</c> a generation runs as the streaming route does, each piece of text
/// sent as a progress notification when the call carries a progress token, and the result is the whole text. The
/// caller's key needs the <c>run</c> scope (<see cref="ToolScopes"/>); the engine holds it to its allowed models.
/// </summary>
public sealed class RunModelTool(InferenceEngine engine, IHttpContextAccessor requests, ILoggerFactory loggers) : BytezTool(
    new Tool
    {
        Name = "run_model",
        Description = "Runs a model of this server on an input, as the Bytez API does: give the model id (list_models) and "
            + "its input in the form its task takes (list_tasks): a text for text-generation or feature-extraction, a list "
            + "of texts to embed several, chat messages [{role, content}] for chat, a media URL or base64 data for image and "
            + "audio tasks, question + context for question-answering, candidate_labels for zero-shot tasks. params are the "
            + "task's parameters (Hugging Face names, e.g. {\"max_new_tokens\": 64, \"temperature\": 0.7}). Text answers "
            + "come back as text, structured answers (vectors, labels and scores) as JSON, speech and images as audio and "
            + "image content.",
        Annotations = new ToolAnnotations
        {
            Title = "Run a model", ReadOnlyHint = true, DestructiveHint = false, IdempotentHint = false, OpenWorldHint = false,
        },
    },
    """
    {
      "type": "object",
      "properties": {
        "model": { "type": "string", "description": "The model id, org/name, as list_models shows it." },
        "input": { "description": "The input in the form the model's task takes: a string, a list of strings, chat messages, a media URL or data URI, or an object of task fields." },
        "params": { "type": "object", "description": "The task's parameters, such as {\"max_new_tokens\": 64} (list_tasks names them)." },
        "messages": { "type": "array", "items": { "type": "object" }, "description": "For chat models: [{\"role\": \"user\", \"content\": \"...\"}, ...]." },
        "text": { "type": "string", "description": "A text input (the same as a string input)." },
        "url": { "type": "string", "description": "The URL of an image or audio input." },
        "base64": { "type": "string", "description": "An image or audio input as base64 (or a data: URI)." },
        "question": { "type": "string", "description": "For question-answering: the question." },
        "context": { "type": "string", "description": "For question-answering: the text that answers it." },
        "candidate_labels": { "type": ["array", "string"], "items": { "type": "string" }, "description": "For zero-shot classification: the labels to choose from." },
        "stream": { "type": "boolean", "description": "For text generation: stream the text, each piece a progress notification (when the call has a progress token); the result is the whole text." }
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
        ArgumentNullException.ThrowIfNull(request);
        ToolScopes.Demand(requests, ApiKeyScopes.Run, "run_model");
        var model = engine.FindModel(arguments.Required("model", "the id of a model this server runs, such as org/name (list_models shows them)"));
        var run = RunRequestReader.Read(arguments.Without("model"));
        if (run.Stream != true)
        {
            var output = await engine.RunAsync(model.Id, run, cancellationToken).ConfigureAwait(false);
            return ToolResults.FromOutput(output);
        }

        var pieces = await engine.StartStreamAsync(model.Id, run, cancellationToken).ConfigureAwait(false);
        var progressToken = request.Params?.ProgressToken;
        var text = new StringBuilder();
        var count = 0;
        await foreach (var piece in pieces.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            text.Append(piece);
            if (progressToken is { } token && piece.Length > 0)
            {
                await request.Server.NotifyProgressAsync(
                    token, new ProgressNotificationValue { Progress = ++count, Message = piece }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        return ToolResults.Text(text.ToString());
    }
}
