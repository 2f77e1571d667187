using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Generation;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>Writes one event of a streamed response: its <c>type</c> and the fields that follow <c>type</c> and <c>sequence_number</c>.</summary>
internal delegate ValueTask ResponseEventSink(string type, Action<Utf8JsonWriter> fields);

/// <summary>
/// One response of the Responses API as it grows: its id, request echo, output items, status and usage, written as
/// OpenAI's response object (<c>{"id": "resp_…", "object": "response", "status", "output", "usage", ...}</c>). The SDKs'
/// <c>output_text</c> is their own convenience, computed from <c>output</c>, and not part of the wire object.
/// <para>
/// The output grows from the engine's updates (<see cref="AddAsync"/>), in the order the model wrote it: a
/// <c>reasoning</c> item <c>{id "rs_…", summary: [], content: [{type: "reasoning_text", text}]}</c> for its thinking,
/// a <c>message</c> item for its answer text, and a <c>function_call</c> item <c>{id "fc_…", call_id, name,
/// arguments, status}</c> for each tool it called. Each step is told to an optional <see cref="ResponseEventSink"/> as
/// OpenAI's stream events, so a streamed response and a plain one hold the same items.
/// </para>
/// </summary>
internal sealed class ResponseObject
{
    /// <summary>Creates the response of a request, in progress and without output.</summary>
    public ResponseObject(ResponsesRequest request, string model, DateTimeOffset createdAt)
    {
        Request = request;
        Model = model;
        CreatedAt = createdAt;
    }

    /// <summary>The response's id.</summary>
    public string Id { get; } = ResponsesRequest.NewId("resp");

    /// <summary>The request it answers.</summary>
    public ResponsesRequest Request { get; }

    /// <summary>The model id.</summary>
    public string Model { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c> or <c>failed</c>.</summary>
    public string Status { get; private set; } = "in_progress";

    /// <summary>The output items so far (all of them once completed).</summary>
    public JsonArray Output { get; } = [];

    /// <summary>When it finished.</summary>
    public DateTimeOffset? CompletedAt { get; private set; }

    private int _inputTokens;
    private int _cachedTokens;
    private int _outputTokens;
    private int _reasoningTokens;
    private FinishReason? _finish;
    private string? _incompleteReason;
    private (string Code, string Message)? _error;

    /// <summary>The item still being written (reasoning or message), its kind, and its text so far.</summary>
    private JsonObject? _open;
    private string? _openKind;
    private readonly StringBuilder _openText = new();

    /// <summary>
    /// Adds one update of the generation: its thinking to the reasoning item, its text to the message item (each
    /// opened when its first piece comes, closing the item before it), and its tool calls as whole
    /// <c>function_call</c> items; each step goes to <paramref name="events"/> when streaming.
    /// </summary>
    public async ValueTask AddAsync(GenerationUpdate update, ResponseEventSink? events)
    {
        ArgumentNullException.ThrowIfNull(update);
        _inputTokens = update.PromptTokens;
        _cachedTokens = Math.Max(_cachedTokens, update.CachedPromptTokens);
        _outputTokens = Math.Max(_outputTokens, update.GeneratedTokens);
        _finish = update.Finish ?? _finish;
        if (update.Reasoning is { Length: > 0 } thinking)
        {
            _reasoningTokens = update.GeneratedTokens;
            await AppendAsync(Reasoning, thinking, events).ConfigureAwait(false);
        }

        if (update.Text.Length > 0)
        {
            await AppendAsync(Message, update.Text, events).ConfigureAwait(false);
        }

        foreach (var call in update.ToolCalls ?? [])
        {
            await CloseAsync(events, "completed").ConfigureAwait(false);
            await AddCallAsync(call, events).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Finishes the response: closes the item being written (an answer with no output at all gets an empty message),
    /// and sets the status (<c>incomplete</c> with reason <c>max_output_tokens</c> when the budget ended it).
    /// </summary>
    public async ValueTask CompleteAsync(ResponseEventSink? events, DateTimeOffset now)
    {
        var incomplete = _finish is FinishReason.Length or FinishReason.Time;
        if (Output.Count == 0)
        {
            await OpenAsync(Message, events).ConfigureAwait(false);
        }

        await CloseAsync(events, incomplete ? "incomplete" : "completed").ConfigureAwait(false);
        Status = incomplete ? "incomplete" : "completed";
        _incompleteReason = incomplete ? "max_output_tokens" : null;
        CompletedAt = now;
    }

    /// <summary>Marks the response failed with OpenAI's error object <c>{code, message}</c>.</summary>
    public void Fail(string code, string message)
    {
        Status = "failed";
        _error = (code, message);
    }

    private const string Reasoning = "reasoning", Message = "message";

    private int OutputIndex => Output.Count - 1;

    private string OpenId => _open!["id"]!.GetValue<string>();

    private static ValueTask Emit(ResponseEventSink? events, string type, Action<Utf8JsonWriter> fields) =>
        events is null ? ValueTask.CompletedTask : events(type, fields);

    private async ValueTask AppendAsync(string kind, string text, ResponseEventSink? events)
    {
        if (_openKind != kind)
        {
            await CloseAsync(events, "completed").ConfigureAwait(false);
            await OpenAsync(kind, events).ConfigureAwait(false);
        }

        _openText.Append(text);
        var (id, index) = (OpenId, OutputIndex);
        await Emit(events, kind == Reasoning ? "response.reasoning_text.delta" : "response.output_text.delta", w =>
        {
            PartFields(w, id, index);
            w.WriteString("delta", text);
            if (kind == Message)
            {
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Opens a reasoning or message item, empty: <c>response.output_item.added</c>, then <c>response.content_part.added</c>.</summary>
    private async ValueTask OpenAsync(string kind, ResponseEventSink? events)
    {
        _open = kind == Reasoning
            ? new JsonObject
            {
                ["id"] = ResponsesRequest.NewId("rs"), ["type"] = Reasoning, ["status"] = "in_progress", ["summary"] = new JsonArray(),
            }
            : ResponseItems.Message(ResponsesRequest.NewId("msg"), "assistant", "output_text", string.Empty, "in_progress");
        _open["content"] = new JsonArray();
        _openKind = kind;
        _openText.Clear();
        var opened = _open;
        Output.Add(opened);
        await Emit(events, "response.output_item.added", w => ItemFields(w, opened)).ConfigureAwait(false);
        var part = Part(kind, string.Empty);
        var (id, index) = (OpenId, OutputIndex);
        await Emit(events, "response.content_part.added", w =>
        {
            PartFields(w, id, index);
            w.WritePropertyName("part");
            part.WriteTo(w);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the open item with its whole text: <c>response.reasoning_text.done</c> or <c>response.output_text.done</c>,
    /// <c>response.content_part.done</c>, <c>response.output_item.done</c>.
    /// </summary>
    private async ValueTask CloseAsync(ResponseEventSink? events, string status)
    {
        if (_open is not { } item)
        {
            return;
        }

        var kind = _openKind!;
        var text = _openText.ToString();
        var part = Part(kind, text);
        var (id, index) = (OpenId, Output.IndexOf(item));
        item["content"] = new JsonArray(part.DeepClone());
        item["status"] = status;
        await Emit(events, kind == Reasoning ? "response.reasoning_text.done" : "response.output_text.done", w =>
        {
            PartFields(w, id, index);
            w.WriteString("text", text);
            if (kind == Message)
            {
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
        await Emit(events, "response.content_part.done", w =>
        {
            PartFields(w, id, index);
            w.WritePropertyName("part");
            part.WriteTo(w);
        }).ConfigureAwait(false);
        await Emit(events, "response.output_item.done", w => ItemFields(w, item)).ConfigureAwait(false);
        _open = null;
        _openKind = null;
    }

    /// <summary>
    /// A whole tool call as a <c>function_call</c> item: <c>response.output_item.added</c> (arguments empty, in
    /// progress), its arguments as one <c>response.function_call_arguments.delta</c>, then
    /// <c>response.function_call_arguments.done</c> and <c>response.output_item.done</c>.
    /// </summary>
    private async ValueTask AddCallAsync(Engine.Generation.Tools.ChatToolCall call, ResponseEventSink? events)
    {
        var item = new JsonObject
        {
            ["id"] = ResponsesRequest.NewId("fc"), ["type"] = "function_call", ["status"] = "in_progress", ["arguments"] = string.Empty,
            ["call_id"] = call.Id, ["name"] = call.Name,
        };
        Output.Add(item);
        var index = OutputIndex;
        var id = item["id"]!.GetValue<string>();
        void CallFields(Utf8JsonWriter w)
        {
            w.WriteString("item_id", id);
            w.WriteNumber("output_index", index);
        }

        await Emit(events, "response.output_item.added", w => ItemFields(w, item)).ConfigureAwait(false);
        await Emit(events, "response.function_call_arguments.delta", w =>
        {
            CallFields(w);
            w.WriteString("delta", call.Arguments);
        }).ConfigureAwait(false);
        await Emit(events, "response.function_call_arguments.done", w =>
        {
            CallFields(w);
            w.WriteString("arguments", call.Arguments);
        }).ConfigureAwait(false);
        item["arguments"] = call.Arguments;
        item["status"] = "completed";
        await Emit(events, "response.output_item.done", w => ItemFields(w, item)).ConfigureAwait(false);
    }

    /// <summary>A content part: <c>{type: "reasoning_text", text}</c>, or <c>{type: "output_text", text, annotations, logprobs}</c>.</summary>
    private static JsonObject Part(string kind, string text) => kind == Reasoning
        ? new JsonObject { ["type"] = "reasoning_text", ["text"] = text }
        : (JsonObject)ResponseItems.Message(string.Empty, "assistant", "output_text", text)["content"]![0]!.DeepClone();

    private void ItemFields(Utf8JsonWriter w, JsonObject item)
    {
        w.WriteNumber("output_index", Output.IndexOf(item));
        w.WritePropertyName("item");
        item.WriteTo(w);
    }

    private static void PartFields(Utf8JsonWriter w, string id, int index)
    {
        w.WriteString("item_id", id);
        w.WriteNumber("output_index", index);
        w.WriteNumber("content_index", 0);
    }

    /// <summary>The response object.</summary>
    public JsonObject ToJson()
    {
        var request = Request;
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "response",
            ["created_at"] = CreatedAt.ToUnixTimeSeconds(),
            ["status"] = Status,
            ["background"] = false,
            ["completed_at"] = CompletedAt?.ToUnixTimeSeconds(),
            ["error"] = _error is { } e ? new JsonObject { ["code"] = e.Code, ["message"] = e.Message } : null,
            ["incomplete_details"] = _incompleteReason is { } reason ? new JsonObject { ["reason"] = reason } : null,
            ["instructions"] = request.Instructions,
            ["max_output_tokens"] = request.MaxOutputTokens,
            ["max_tool_calls"] = null,
            ["model"] = Model,
            ["output"] = Output.DeepClone(),
            ["parallel_tool_calls"] = request.ParallelToolCalls ?? true,
            ["previous_response_id"] = request.PreviousResponseId,
            ["reasoning"] = new JsonObject { ["effort"] = request.ReasoningEffort, ["summary"] = null },
            ["service_tier"] = "default",
            ["store"] = request.Store,
            ["temperature"] = request.Temperature,
            ["text"] = new JsonObject { ["format"] = request.TextFormat?.DeepClone() ?? new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = request.ToolChoice?.DeepClone() ?? "auto",
            ["tools"] = request.Tools.DeepClone(),
            ["top_p"] = request.TopP,
            ["truncation"] = "disabled",
            ["usage"] = Status is "completed" or "incomplete"
                ? new JsonObject
                {
                    ["input_tokens"] = _inputTokens,
                    ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = _cachedTokens },
                    ["output_tokens"] = _outputTokens,
                    ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = _reasoningTokens },
                    ["total_tokens"] = _inputTokens + _outputTokens,
                }
                : null,
            ["user"] = null,
            ["metadata"] = request.Metadata?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>Writes the response object.</summary>
    public void WriteTo(Utf8JsonWriter writer) => ToJson().WriteTo(writer);
}
