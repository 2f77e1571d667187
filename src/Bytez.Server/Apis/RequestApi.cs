using System.Text.Json;
using Bytez.Hub;
using Bytez.Hub.Jobs;
using Bytez.Protocol;

namespace Bytez.Server.Apis;

/// <summary>
/// Model requests: <c>POST request/{org}/{model}</c> queues a job that fetches a Hugging Face model from the hub,
/// verifies, measures and serves it (the hosted service's answers: "Job queued", "Model is already queued", "Model
/// available"). Extensions of this server: <c>GET</c> and <c>DELETE</c> on the same route (the job's state; cancel it),
/// and <c>GET list/requests</c>.
/// </summary>
public static class RequestApi
{
    /// <summary>The answer to a request that queued a job.</summary>
    public const string QueuedMessage = "Job queued";

    /// <summary>The answer to a request for a model whose job has not ended.</summary>
    public const string AlreadyQueuedMessage = "Model is already queued";

    /// <summary>The answer to a request for a model the catalog already serves.</summary>
    public const string AvailableMessage = "Model available";

    /// <summary>Maps the request routes onto the API group.</summary>
    public static RouteGroupBuilder MapRequestApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/request/{org}/{name}", RequestAsync);
        api.MapGet("/request/{org}/{name}", GetAsync);
        api.MapDelete("/request/{org}/{name}", CancelAsync);
        api.MapGet("/list/requests", ListAsync);
        return api;
    }

    /// <summary>The answer text of an outcome.</summary>
    public static string Message(ModelRequestOutcome outcome) => outcome switch
    {
        ModelRequestOutcome.Queued => QueuedMessage,
        ModelRequestOutcome.AlreadyQueued => AlreadyQueuedMessage,
        _ => AvailableMessage,
    };

    private static async Task RequestAsync(HttpContext context, string org, string name, ModelRequestQueue queue)
    {
        var options = await ReadOptionsAsync(context).ConfigureAwait(false);
        var outcome = await queue.RequestAsync($"{org}/{name}", options, context.RequestAborted).ConfigureAwait(false);
        Usage.DownloadUsage.Report($"{org}/{name}", outcome);
        await Envelope.WriteOutputAsync(context, Message(outcome)).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context, string org, string name, ModelRequestQueue queue)
    {
        var status = await queue.GetAsync($"{org}/{name}", context.RequestAborted).ConfigureAwait(false);
        await WriteStatusAsync(context, $"{org}/{name}", status).ConfigureAwait(false);
    }

    private static async Task CancelAsync(HttpContext context, string org, string name, ModelRequestQueue queue)
    {
        var status = await queue.CancelAsync($"{org}/{name}", context.RequestAborted).ConfigureAwait(false);
        await WriteStatusAsync(context, $"{org}/{name}", status).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context, ModelRequestQueue queue)
    {
        var jobs = await queue.ListAsync(context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, jobs, ProtocolJsonContext.Default.IReadOnlyListModelRequestStatus))
            .ConfigureAwait(false);
    }

    private static Task WriteStatusAsync(HttpContext context, string modelId, ModelRequestStatus? status) =>
        status is null
            ? Envelope.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"There is no request for {modelId} on this server; POST request/{modelId} makes one.")
            : Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, status, ProtocolJsonContext.Default.ModelRequestStatus));

    /// <summary>The optional body: none (as the hosted service's clients send), or <c>{"revision", "webhook"}</c>.</summary>
    private static async Task<ModelRequestOptions?> ReadOptionsAsync(HttpContext context)
    {
        const string example = "{\"revision\": \"main\", \"webhook\": \"https://...\"}";
        if (await JsonBody.ReadAsync(context, example).ConfigureAwait(false) is not { } root || root.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new HubException(HubErrorKind.Invalid, $"The request body, when sent, must be a JSON object: {example}.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("revision" or "webhook"))
            {
                throw new HubException(HubErrorKind.Invalid, $"Unknown field '{property.Name}' in the request body; it takes 'revision' and 'webhook'.");
            }

            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw new HubException(HubErrorKind.Invalid, $"'{property.Name}' must be a string.");
            }
        }

        return root.Deserialize(ProtocolJsonContext.Default.ModelRequestOptions);
    }
}
