using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Generation;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// One response of the Responses API as it grows: its id, request echo, output items, status and usage, written as
/// OpenAI's response object (<c>{"id": "resp_…", "object": "response", "status", "output", "usage", ...}</c>). The SDKs'
/// <c>output_text</c> is their own convenience, computed from <c>output</c>, and not part of the wire object.
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

    /// <summary>The id of its output message.</summary>
    public string MessageId { get; } = ResponsesRequest.NewId("msg");

    /// <summary>The request it answers.</summary>
    public ResponsesRequest Request { get; }

    /// <summary>The model id.</summary>
    public string Model { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c> or <c>failed</c>.</summary>
    public string Status { get; private set; } = "in_progress";

    /// <summary>The output items, once finished.</summary>
    public JsonArray Output { get; private set; } = [];

    /// <summary>When it finished.</summary>
    public DateTimeOffset? CompletedAt { get; private set; }

    private int _inputTokens;
    private int _outputTokens;
    private string? _incompleteReason;
    private (string Code, string Message)? _error;

    /// <summary>
    /// Finishes the response from the fold of the generation: the output message with <paramref name="text"/>, the
    /// token counts, and the status (<c>incomplete</c> with reason <c>max_output_tokens</c> when the budget ended it).
    /// </summary>
    public void Complete(string text, FinishReason? finish, int inputTokens, int outputTokens, DateTimeOffset now)
    {
        _inputTokens = inputTokens;
        _outputTokens = outputTokens;
        var incomplete = finish is FinishReason.Length or FinishReason.Time;
        Status = incomplete ? "incomplete" : "completed";
        _incompleteReason = incomplete ? "max_output_tokens" : null;
        // The seam of tool calls: when the engine's updates carry them, each becomes a function_call item
        // {id "fc_…", type, call_id, name, arguments, status} after (or instead of) this message.
        Output = [OutputMessage(text, Status)];
        CompletedAt = now;
    }

    /// <summary>Marks the response failed with OpenAI's error object <c>{code, message}</c>.</summary>
    public void Fail(string code, string message)
    {
        Status = "failed";
        _error = (code, message);
    }

    /// <summary>The output message item with <paramref name="text"/> as its one <c>output_text</c> part.</summary>
    public JsonObject OutputMessage(string text, string status) => ResponseItems.Message(MessageId, "assistant", "output_text", text, status);

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
                    ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["output_tokens"] = _outputTokens,
                    ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
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
