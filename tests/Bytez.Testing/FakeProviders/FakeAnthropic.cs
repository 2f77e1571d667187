using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bytez.Testing.FakeProviders;

/// <summary>
/// A fake of Anthropic's Messages API: <c>POST /v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>
/// (400 without it, or without <c>max_tokens</c>); a <c>message</c> object, or the named SSE events
/// <c>message_start</c>, <c>content_block_start</c>, <c>ping</c>, <c>content_block_delta</c>...,
/// <c>content_block_stop</c>, <c>message_delta</c>, <c>message_stop</c>.
/// </summary>
public sealed class FakeAnthropic : FakeProvider
{
    /// <inheritdoc />
    public override string Name => "anthropic";

    /// <inheritdoc />
    public override string DisplayName => "Anthropic";

    /// <inheritdoc />
    public override string BaseUrl => Address.ToString();

    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/messages", async context =>
        {
            var request = await RecordAsync(context);
            var key = context.Request.Headers["x-api-key"].ToString();
            if (context.Request.Headers["anthropic-version"].ToString() != "2023-06-01")
            {
                await JsonAsync(context, 400, Error("invalid_request_error", "anthropic-version: header is required"));
                return;
            }

            switch (Behaviour(key))
            {
                case FakeKeyBehaviour.Invalid:
                    await JsonAsync(context, 401, Error("authentication_error", "invalid x-api-key"));
                    return;
                case FakeKeyBehaviour.RateLimited:
                    context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await JsonAsync(context, 429, Error("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"));
                    return;
                case FakeKeyBehaviour.Slow:
                    await HoldAsync(context);
                    return;
            }

            if (!request.Body.TryGetProperty("max_tokens", out _))
            {
                await JsonAsync(context, 400, Error("invalid_request_error", "max_tokens: Field required"));
                return;
            }

            var model = request.Body.GetProperty("model").GetString()!;
            var reply = Reply(LastUserText(request.Body.GetProperty("messages")));
            var usage = new { input_tokens = 9, output_tokens = 12 };
            if (request.Body.TryGetProperty("stream", out var stream) && stream.GetBoolean())
            {
                await StartEventsAsync(context);
                await EventAsync(context, "message_start", new
                {
                    type = "message_start",
                    message = new { id = "msg_fake0001", type = "message", role = "assistant", content = Array.Empty<object>(), model, stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 9, output_tokens = 1 } },
                });
                await EventAsync(context, "content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } });
                await EventAsync(context, "ping", new { type = "ping" });
                foreach (var piece in Pieces(reply))
                {
                    await EventAsync(context, "content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = piece } });
                }

                await EventAsync(context, "content_block_stop", new { type = "content_block_stop", index = 0 });
                await EventAsync(context, "message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null }, usage = new { output_tokens = 12 } });
                await EventAsync(context, "message_stop", new { type = "message_stop" });
                return;
            }

            await JsonAsync(context, 200, new
            {
                id = "msg_fake0001",
                type = "message",
                role = "assistant",
                model,
                content = new[] { new { type = "text", text = reply } },
                stop_reason = "end_turn",
                stop_sequence = (string?)null,
                usage,
            });
        });
    }

    private static object Error(string type, string message) => new { type = "error", error = new { type, message }, request_id = "req_fake0001" };
}
