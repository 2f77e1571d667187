using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Apis;

/// <summary>
/// The cluster lifecycle of a model: <c>PUT</c> creates (loads) it, <c>GET</c> reads it, <c>PATCH</c> updates it
/// (also <c>status: on/off</c>), <c>DELETE</c> shuts it down; <c>GET list/clusters</c> lists them.
/// </summary>
public static class ClusterApi
{
    /// <summary>Maps the cluster routes onto the API group.</summary>
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/list/clusters", ListAsync);
        api.MapPut("/{org}/{name}", CreateAsync);
        api.MapGet("/{org}/{name}", ReadAsync);
        api.MapPatch("/{org}/{name}", UpdateAsync);
        api.MapDelete("/{org}/{name}", DeleteAsync);
        return api;
    }

    private static Task ListAsync(HttpContext context, InferenceEngine engine) =>
        Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, engine.ListClusters(), ProtocolJsonContext.Default.IReadOnlyListClusterInfo));

    private static async Task CreateAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var model = engine.FindModel($"{org}/{name}");
        var request = await ReadRequestAsync(context, allowStatus: false).ConfigureAwait(false);
        engine.CreateCluster(model, request);
        await Envelope.WriteOutputAsync(context, "Loading", StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    private static Task ReadAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var model = engine.FindModel($"{org}/{name}");
        var cluster = engine.FindCluster(model.Id)
            ?? throw EngineException.NotFound($"{model.Id} has no cluster: create one with PUT /models/v2/{model.Id}, or run the model (which creates one).");
        return Write(context, cluster);
    }

    private static async Task UpdateAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var model = engine.FindModel($"{org}/{name}");
        var request = await ReadRequestAsync(context, allowStatus: true).ConfigureAwait(false)
            ?? throw EngineException.BadInput("PATCH needs a body such as {\"timeout\": 10, \"capacity\": {\"min\": 0, \"desired\": 1, \"max\": 2}} or {\"status\": \"off\"}.");
        await Write(context, engine.UpdateCluster(model, request)).ConfigureAwait(false);
    }

    private static Task DeleteAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var model = engine.FindModel($"{org}/{name}");
        engine.DeleteCluster(model);
        return Envelope.WriteOutputAsync(context, w => w.WriteNullValue());
    }

    private static Task Write(HttpContext context, ClusterInfo cluster) =>
        Envelope.WriteOutputAsync(context, w => JsonSerializer.Serialize(w, cluster, ProtocolJsonContext.Default.ClusterInfo));

    /// <summary>Reads a create or update body; an empty body means "defaults" and gives <see langword="null"/>.</summary>
    private static async Task<ClusterRequest?> ReadRequestAsync(HttpContext context, bool allowStatus)
    {
        var example = $"{{\"timeout\": minutes, \"capacity\": {{\"min\", \"desired\", \"max\"}}, \"config\": {{...}}{(allowStatus ? ", \"status\": \"on\" | \"off\"" : "")}}}";
        if (await JsonBody.ReadAsync(context, example).ConfigureAwait(false) is not { } body || body.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        ClusterRequest? request;
        try
        {
            request = body.Deserialize(ProtocolJsonContext.Default.ClusterRequest);
        }
        catch (JsonException e)
        {
            throw EngineException.BadInput($"The body must be a JSON object {example}: {e.Message}");
        }

        if (!allowStatus && request?.Status is not null)
        {
            throw EngineException.BadInput("'status' can only be changed with PATCH.");
        }

        return request;
    }
}
