using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Scheduling;
using Bytez.Hub.Jobs;
using Bytez.Protocol;

namespace Bytez.Server.Apis;

/// <summary>
/// The legacy v1 routes (<c>/model/*</c>) that the 2024 official clients (bytez.js 0.x, bytez 0.2.x for Python,
/// the Julia client) call, mapped onto the same clusters and engine as v2. Shapes follow those clients: list and
/// status answers are bare JSON (no envelope), errors are <c>{"error": ...}</c>, and <c>run</c> answers the Hugging
/// Face pipeline's output shape in the envelope (<c>[{"generated_text": ...}]</c> for text generation).
/// </summary>
public static class V1Api
{
    /// <summary>The route prefix of the v1 API.</summary>
    public const string Prefix = "/model";

    /// <summary>Maps the v1 routes.</summary>
    public static RouteGroupBuilder MapV1Api(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/list", ListAsync);
        v1.MapGet("/instances", InstancesAsync);
        v1.MapPost("/load", LoadAsync);
        v1.MapPost("/status", StatusAsync);
        v1.MapPost("/run", RunAsync);
        v1.MapPost("/delete", DeleteAsync);
        v1.MapPost("/job", JobAsync);
        return v1;
    }

    /// <summary>
    /// <c>process(id)</c> of the v1 clients: queues a model request. A new job answers <c>{model, success, modified}</c>;
    /// asking again answers <c>{model, message, startTime, endTime}</c> with "Model is already queued" or "Model available".
    /// </summary>
    private static async Task JobAsync(HttpContext context, ModelRequestQueue queue)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var modelId = ModelField(body);
        var outcome = await queue.RequestAsync(modelId, options: null, context.RequestAborted).ConfigureAwait(false);
        Usage.DownloadUsage.Report(modelId, outcome);
        if (outcome == ModelRequestOutcome.Queued)
        {
            await WriteBareAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("model", modelId);
                w.WriteBoolean("success", true);
                w.WriteBoolean("modified", true);
                w.WriteEndObject();
            }).ConfigureAwait(false);
            return;
        }

        var job = await queue.GetAsync(modelId, context.RequestAborted).ConfigureAwait(false);
        await WriteBareAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("model", modelId);
            w.WriteString("message", RequestApi.Message(outcome));
            WriteTime(w, "startTime", job?.StartedAt ?? job?.CreatedAt);
            WriteTime(w, "endTime", job?.EndedAt);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            w.WriteString(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static Task ListAsync(HttpContext context, InferenceEngine engine, Usage.MeteringOptions metering)
    {
        var task = context.Request.Query["task"].ToString();
        var models = engine.Catalog.List(string.IsNullOrEmpty(task) ? null : task).Select(m => ListApi.ToModelInfo(engine, m, metering)).ToList();
        return WriteBareAsync(context, w => JsonSerializer.Serialize(w, models, ProtocolJsonContext.Default.ListModelInfo));
    }

    private static Task InstancesAsync(HttpContext context, InferenceEngine engine)
    {
        var clusters = engine.ListClusters();
        return WriteBareAsync(context, w =>
        {
            w.WriteStartArray();
            foreach (var cluster in clusters)
            {
                WriteStatus(w, engine, cluster);
            }

            w.WriteEndArray();
        });
    }

    private static async Task LoadAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var model = engine.FindModel(ModelField(body));
        var concurrency = OptionalInt(body, "concurrency") ?? 1;
        var seconds = OptionalInt(body, "expirationPeriodSeconds") ?? 300;
        var request = new ClusterRequest
        {
            Timeout = Math.Clamp((int)Math.Ceiling(seconds / 60.0), 1, 1440),
            Capacity = new ClusterCapacity { Min = 0, Desired = 1, Max = Math.Clamp(concurrency, 1, engine.MaxInstancesPerModel) },
        };
        try
        {
            engine.CreateCluster(model, request);
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.Conflict)
        {
            var existing = engine.FindCluster(model.Id);
            if (existing?.Status == ClusterStatuses.Loading)
            {
                throw new EngineException(EngineErrorKind.Overloaded, "operation already in progress: load");
            }

            throw new EngineException(EngineErrorKind.Conflict, "Model already loaded");
        }

        await WriteBareAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("model", model.Id);
            w.WriteString("status", "started");
            w.WriteNumber("concurrency", concurrency);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task StatusAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var model = engine.FindModel(ModelField(body));
        var cluster = engine.FindCluster(model.Id);
        if (cluster is null || cluster.Status is ClusterStatuses.Stopped or ClusterStatuses.Off)
        {
            throw EngineException.NotFound($"{model.Id} is not loaded; load it with POST /model/load.");
        }

        await WriteBareAsync(context, w => WriteStatus(w, engine, cluster)).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var model = engine.FindModel(ModelField(body));
        if (engine.FindCluster(model.Id) is not null)
        {
            engine.DeleteCluster(model);
        }

        await WriteBareAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("model", model.Id);
            w.WriteString("status", "STOPPED");
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task RunAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var model = engine.FindModel(ModelField(body));
        var request = RunRequestReader.Read(body);
        if (request.Stream == true)
        {
            var pieces = await engine.StartStreamAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
            await RunApi.StreamAsync(context, pieces).ConfigureAwait(false);
            return;
        }

        var output = await FilesApi.AnswerMediaAsync(context, request, await engine.RunAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
        if (output is null)
        {
            return; // raw media bytes were written
        }

        var messages = request.Messages ?? (request.Input is { ValueKind: JsonValueKind.Array } input ? MessagesOf(input) : null);
        await Envelope.WriteOutputAsync(context, w => WritePipelineOutput(w, output, messages)).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an output as the Hugging Face pipeline returns it: text generation as <c>[{"generated_text"}]</c>, chat
    /// as <c>[{"generated_text": [...messages, {"role": "assistant", ...}]}]</c>, other tasks as in v2.
    /// </summary>
    private static void WritePipelineOutput(Utf8JsonWriter w, TaskOutput output, IReadOnlyList<ChatMessage>? messages)
    {
        switch (output)
        {
            case TextOutput text:
                w.WriteStartArray();
                WriteGenerated(w, text.Text);
                w.WriteEndArray();
                break;
            case ChatOutput chat:
                w.WriteStartArray();
                WriteConversation(w, chat, messages);
                w.WriteEndArray();
                break;
            case ListOutput list when list.Items.All(i => i is TextOutput or ChatOutput):
                w.WriteStartArray();
                foreach (var item in list.Items)
                {
                    if (item is TextOutput t)
                    {
                        WriteGenerated(w, t.Text);
                    }
                    else
                    {
                        WriteConversation(w, (ChatOutput)item, messages);
                    }
                }

                w.WriteEndArray();
                break;
            default:
                output.WriteTo(w);
                break;
        }
    }

    private static void WriteGenerated(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("generated_text", text);
        w.WriteEndObject();
    }

    private static void WriteConversation(Utf8JsonWriter w, ChatOutput chat, IReadOnlyList<ChatMessage>? messages)
    {
        w.WriteStartObject();
        w.WritePropertyName("generated_text");
        w.WriteStartArray();
        foreach (var message in messages ?? [])
        {
            w.WriteStartObject();
            w.WriteString("role", message.Role);
            w.WritePropertyName("content");
            message.Content.WriteTo(w);
            w.WriteEndObject();
        }

        chat.WriteTo(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static List<ChatMessage>? MessagesOf(JsonElement input)
    {
        if (!input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("role", out _)))
        {
            return null;
        }

        return input.EnumerateArray().Select((e, i) => RunRequestReader.ReadMessage(e, i)).ToList();
    }

    private static void WriteStatus(Utf8JsonWriter w, InferenceEngine engine, ClusterInfo cluster)
    {
        var status = cluster.Status switch
        {
            ClusterStatuses.Running => "RUNNING",
            ClusterStatuses.Failed => "FAILED",
            ClusterStatuses.Loading => engine.ClusterLoadPhase(cluster.ModelId) switch
            {
                LoadPhase.Instantiating => "INSTANTIATING",
                LoadPhase.Deploying => "DEPLOYING",
                _ => "STARTING",
            },
            _ => "STOPPED",
        };
        var seconds = cluster.Timeout * 60;
        w.WriteStartObject();
        w.WriteString("model", cluster.ModelId);
        w.WriteString("status", status);
        w.WriteNumber("concurrency", cluster.Capacity.Max);
        w.WriteNumber("inferences", cluster.Inferences);
        w.WriteNumber("expirationPeriodSeconds", seconds);
        w.WriteNumber("expirationPeriodMinutes", cluster.Timeout);
        w.WriteString("expiresAt", (cluster.LastInference ?? cluster.Modified).AddSeconds(seconds));
        w.WriteString("created", cluster.Created);
        w.WriteString("modified", cluster.Modified);
        if (cluster.Failure is { } failure)
        {
            w.WriteString("error", failure);
        }

        w.WriteEndObject();
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext context) =>
        await JsonBody.ReadAsync(context, ModelExample).ConfigureAwait(false)
            ?? throw EngineException.BadInput($"The request body is empty; send a JSON object such as {ModelExample}.");

    private const string ModelExample = "{\"model\": \"org/name\"}";

    private static string ModelField(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String
            ? model.GetString()!
            : throw EngineException.BadInput("The body must name the model: {\"model\": \"org/name\"}.");

    private static int? OptionalInt(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
                ? n
                : throw EngineException.BadInput($"'{name}' must be a positive integer.")
            : null;

    private static async Task WriteBareAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        context.Response.ContentType = Envelope.ContentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
