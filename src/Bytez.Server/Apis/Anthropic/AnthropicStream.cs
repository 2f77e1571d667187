using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Server.Apis.OpenAi;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// Writes a streamed answer as Anthropic's events, each <c>event: name</c> and <c>data: {json}</c> with the same
/// <c>type</c>: <c>message_start</c> (sent with the first update, which carries the prompt's tokens), a <c>ping</c>,
/// then per content block <c>content_block_start</c>, <c>content_block_delta</c>s (<c>text_delta</c>,
/// <c>thinking_delta</c> then one <c>signature_delta</c>, <c>input_json_delta</c>) and <c>content_block_stop</c>,
/// then <c>message_delta</c> (<c>stop_reason</c>, <c>stop_sequence</c>, <c>usage</c>) and <c>message_stop</c>. The
/// events go through <see cref="ServerSentEvents"/>: nothing is sent before <c>message_start</c>, so a failure before
/// it gets its status code and Anthropic's error object; a failure after it is an <c>error</c> event.
/// </summary>
public static class AnthropicStream
{
    /// <summary>Streams the answer of <paramref name="updates"/>.</summary>
    public static Task RunAsync(HttpContext context, IAsyncEnumerable<GenerationUpdate> updates, AnthropicContent content, string id, string model)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = AnthropicErrors.RequestId(context);
        return ServerSentEvents.RunAsync(
            context,
            events => WriteAsync(events, updates, content, id, model, context.RequestAborted),
            done: false,
            writeError: (w, status, message) => AnthropicErrors.Write(w, status, message, requestId),
            errorEvent: "error");
    }

    private static async Task WriteAsync(
        ServerSentEvents events, IAsyncEnumerable<GenerationUpdate> updates, AnthropicContent content, string id, string model, CancellationToken cancellationToken)
    {
        var started = false;
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!started)
            {
                await StartAsync(events, id, model, update.PromptTokens).ConfigureAwait(false);
                started = true;
            }

            await WriteBlocksAsync(events, content.Add(update)).ConfigureAwait(false);
        }

        if (!started)
        {
            await StartAsync(events, id, model, 0).ConfigureAwait(false);
        }

        await WriteBlocksAsync(events, content.Complete()).ConfigureAwait(false);
        await events.WriteAsync(
            w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "message_delta");
                w.WriteStartObject("delta");
                w.WriteString("stop_reason", content.StopReason ?? "end_turn");
                w.WriteString("stop_sequence", content.StopSequence);
                w.WriteNull("stop_details");
                w.WriteEndObject();
                w.WriteStartObject("usage");
                w.WriteNumber("input_tokens", content.InputTokens);
                w.WriteNumber("output_tokens", content.OutputTokens);
                w.WriteNull("cache_creation_input_tokens");
                w.WriteNull("cache_read_input_tokens");
                w.WriteNull("server_tool_use");
                w.WriteEndObject();
                w.WriteEndObject();
            },
            "message_delta").ConfigureAwait(false);
        await events.WriteAsync(w => Typed(w, "message_stop"), "message_stop").ConfigureAwait(false);
    }

    private static async Task StartAsync(ServerSentEvents events, string id, string model, int inputTokens)
    {
        await events.WriteAsync(
            w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "message_start");
                w.WritePropertyName("message");
                AnthropicMessage.WriteEmpty(w, id, model, inputTokens);
                w.WriteEndObject();
            },
            "message_start").ConfigureAwait(false);
        await events.WriteAsync(w => Typed(w, "ping"), "ping").ConfigureAwait(false);
    }

    private static async Task WriteBlocksAsync(ServerSentEvents events, List<AnthropicBlockEvent> blocks)
    {
        foreach (var e in blocks)
        {
            switch (e.Kind)
            {
                case AnthropicBlockEventKind.Start:
                    await events.WriteAsync(
                        w =>
                        {
                            w.WriteStartObject();
                            w.WriteString("type", "content_block_start");
                            w.WriteNumber("index", e.Index);
                            w.WritePropertyName("content_block");
                            AnthropicMessage.WriteBlock(w, e.Block, whole: false);
                            w.WriteEndObject();
                        },
                        "content_block_start").ConfigureAwait(false);
                    break;
                case AnthropicBlockEventKind.Delta or AnthropicBlockEventKind.Signature:
                    var (type, field) = e.Kind == AnthropicBlockEventKind.Signature
                        ? ("signature_delta", "signature")
                        : e.Block.Type switch
                        {
                            AnthropicBlockType.Thinking => ("thinking_delta", "thinking"),
                            AnthropicBlockType.ToolUse => ("input_json_delta", "partial_json"),
                            _ => ("text_delta", "text"),
                        };
                    await events.WriteAsync(
                        w =>
                        {
                            w.WriteStartObject();
                            w.WriteString("type", "content_block_delta");
                            w.WriteNumber("index", e.Index);
                            w.WriteStartObject("delta");
                            w.WriteString("type", type);
                            w.WriteString(field, e.Delta);
                            w.WriteEndObject();
                            w.WriteEndObject();
                        },
                        "content_block_delta").ConfigureAwait(false);
                    break;
                case AnthropicBlockEventKind.Stop:
                    await events.WriteAsync(
                        w =>
                        {
                            w.WriteStartObject();
                            w.WriteString("type", "content_block_stop");
                            w.WriteNumber("index", e.Index);
                            w.WriteEndObject();
                        },
                        "content_block_stop").ConfigureAwait(false);
                    break;
            }
        }
    }

    private static void Typed(Utf8JsonWriter w, string type)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteEndObject();
    }
}
