using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Protocol;
using Bytez.Server.Responses;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// The Responses API: <c>POST responses</c> (plain or streamed as its events), and the stored responses
/// <c>GET responses/{id}</c>, <c>GET responses/{id}/input_items</c> and <c>DELETE responses/{id}</c>. A request's input
/// items, after those of the conversation <c>previous_response_id</c> continues (their inputs and outputs, in order),
/// become chat messages rendered with the model's chat template; the answer is the fold of the engine's
/// <see cref="GenerationUpdate"/>s. With <c>store</c> (the default) the response is written to the
/// <see cref="IResponseStore"/> before it is answered.
/// </summary>
public static class OpenAiResponsesApi
{
    /// <summary>Maps the Responses routes onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiResponses(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/responses", CreateAsync);
        api.MapGet("/responses/{id}", ReadAsync);
        api.MapGet("/responses/{id}/input_items", InputItemsAsync);
        api.MapDelete("/responses/{id}", DeleteAsync);
        return api;
    }

    /// <summary>The most items one page of <c>input_items</c> lists (OpenAI's bound), and the default.</summary>
    private const int MaxPage = 100, DefaultPage = 20;

    private static async Task CreateAsync(HttpContext context, InferenceEngine engine, IResponseStore store, TimeProvider time)
    {
        var request = ResponsesRequest.Read(await JsonBody.ReadAsync(context, ResponsesRequest.Example).ConfigureAwait(false));
        var model = OpenAiGeneration.FindModel(engine, request.Model, "POST responses");
        var aborted = context.RequestAborted;

        // The conversation this request continues: each earlier response's own input items, then its output items.
        var conversation = request.PreviousResponseId is { } previous
            ? await store.LoadConversationAsync(previous, aborted).ConfigureAwait(false)
            : [];
        var history = new List<JsonNode?>();
        foreach (var earlier in conversation)
        {
            history.AddRange(JsonNode.Parse(earlier.InputItems)!.AsArray().Select(i => i?.DeepClone()));
            history.AddRange(JsonNode.Parse(earlier.Response)!["output"]!.AsArray().Select(i => i?.DeepClone()));
        }

        var messages = ResponseItems.ToMessages(request.Instructions, history.Concat(request.Input));
        var run = new RunRequest { Input = ResponsesRequest.Element(messages), Params = request.Params() };
        var response = new ResponseObject(request, model.Id, time.GetUtcNow());
        var updates = await engine.StartGenerationAsync(model.Id, run, aborted).ConfigureAwait(false);
        var chain = conversation.Select(c => c.Id).ToList();
        if (request.Stream)
        {
            await ServerSentEvents.RunAsync(context, events => StreamAsync(events, response, updates, store, chain, time, aborted), done: false).ConfigureAwait(false);
            return;
        }

        await foreach (var update in updates.WithCancellation(aborted).ConfigureAwait(false))
        {
            await response.AddAsync(update, events: null).ConfigureAwait(false);
        }

        await response.CompleteAsync(events: null, time.GetUtcNow()).ConfigureAwait(false);
        await SaveAsync(store, response, chain, aborted).ConfigureAwait(false);
        await OpenAiApi.WriteJsonAsync(context, response.WriteTo).ConfigureAwait(false);
    }

    /// <summary>
    /// The streamed answer, as OpenAI's events in order: <c>response.created</c>, <c>response.in_progress</c>, then for
    /// each output item as the model writes it <c>response.output_item.added</c>, its content
    /// (<c>response.content_part.added</c>, the <c>response.reasoning_text.delta</c>s or
    /// <c>response.output_text.delta</c>s, their <c>.done</c>, <c>response.content_part.done</c>; for a tool call
    /// <c>response.function_call_arguments.delta</c> and <c>.done</c>) and <c>response.output_item.done</c>, then
    /// <c>response.completed</c> (or <c>response.incomplete</c>), after the response is stored. Every event carries
    /// its <c>sequence_number</c>.
    /// </summary>
    private static async Task StreamAsync(
        ServerSentEvents events, ResponseObject response, IAsyncEnumerable<GenerationUpdate> updates, IResponseStore store,
        IReadOnlyList<string> chain, TimeProvider time, CancellationToken cancellationToken)
    {
        var sequence = 0;
        ValueTask Event(string type, Action<Utf8JsonWriter> fields) => events.WriteAsync(
            w =>
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteNumber("sequence_number", sequence++);
                fields(w);
                w.WriteEndObject();
            },
            type);

        await Event("response.created", w => Whole(w, response)).ConfigureAwait(false);
        await Event("response.in_progress", w => Whole(w, response)).ConfigureAwait(false);
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await response.AddAsync(update, Event).ConfigureAwait(false);
        }

        await response.CompleteAsync(Event, time.GetUtcNow()).ConfigureAwait(false);
        await SaveAsync(store, response, chain, cancellationToken).ConfigureAwait(false);
        await Event(response.Status == "completed" ? "response.completed" : "response.incomplete", w => Whole(w, response)).ConfigureAwait(false);
    }

    private static void Whole(Utf8JsonWriter writer, ResponseObject response)
    {
        writer.WritePropertyName("response");
        response.WriteTo(writer);
    }

    /// <summary>Stores a finished response when its request asked for it (the default), before it is answered.</summary>
    private static Task SaveAsync(IResponseStore store, ResponseObject response, IReadOnlyList<string> chain, CancellationToken cancellationToken) =>
        response.Request.Store
            ? store.SaveAsync(
                new StoredResponse(response.Id, response.Request.PreviousResponseId, response.CreatedAt, response.Request.Input.ToJsonString(), response.ToJson().ToJsonString()),
                chain,
                cancellationToken)
            : Task.CompletedTask;

    private static async Task ReadAsync(HttpContext context, string id, IResponseStore store)
    {
        if (context.Request.Query.TryGetValue("stream", out var stream) && stream == "true")
        {
            throw EngineException.NotSupported("Streaming a stored response again (`stream=true`) is not supported; GET it without `stream`.");
        }

        var stored = await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false) ?? throw SqliteResponseStore.NotFound(id);
        await WriteRawAsync(context, stored.Response).ConfigureAwait(false);
    }

    private static async Task InputItemsAsync(HttpContext context, string id, IResponseStore store)
    {
        var query = context.Request.Query;
        var limit = DefaultPage;
        if (query.TryGetValue("limit", out var l) && !(int.TryParse(l, out limit) && limit is >= 1 and <= MaxPage))
        {
            throw EngineException.BadInput($"Query parameter `limit` must be an integer from 1 to {MaxPage}; got '{l}'.");
        }

        var order = query.TryGetValue("order", out var o) ? o.ToString() : "desc";
        if (order is not ("asc" or "desc"))
        {
            throw EngineException.BadInput($"Query parameter `order` must be asc or desc; got '{order}'.");
        }

        var stored = await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false) ?? throw SqliteResponseStore.NotFound(id);
        var items = JsonNode.Parse(stored.InputItems)!.AsArray().Select(i => i!).ToList();
        if (order == "desc")
        {
            items.Reverse();
        }

        if (query.TryGetValue("after", out var after) && after.ToString() is { Length: > 0 } afterId)
        {
            var at = items.FindIndex(i => i["id"]?.GetValue<string>() == afterId);
            if (at < 0)
            {
                throw EngineException.BadInput($"Query parameter `after`: response '{id}' has no input item '{afterId}'.");
            }

            items = items[(at + 1)..];
        }

        var page = items.Take(limit).ToList();
        await OpenAiApi.WriteJsonAsync(context, w => new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page.Select(i => i.DeepClone())]),
            ["first_id"] = page.Count > 0 ? page[0]["id"]?.DeepClone() : null,
            ["last_id"] = page.Count > 0 ? page[^1]["id"]?.DeepClone() : null,
            ["has_more"] = items.Count > page.Count,
        }.WriteTo(w)).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, string id, IResponseStore store)
    {
        if (!await store.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            throw SqliteResponseStore.NotFound(id);
        }

        await OpenAiApi.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "response");
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task WriteRawAsync(HttpContext context, string json) =>
        OpenAiApi.WriteJsonAsync(context, w => w.WriteRawValue(json, skipInputValidation: true));
}
