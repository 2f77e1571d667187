using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bytez.Testing.FakeProviders;

/// <summary>
/// A fake of Cohere's v2 chat API: <c>POST /v2/chat</c> with <c>Authorization: Bearer</c>; a chat response with
/// <c>message.content</c> text blocks, or the named SSE events <c>message-start</c>, <c>content-start</c>,
/// <c>content-delta</c>..., <c>content-end</c>, <c>message-end</c>; errors as <c>{"id", "message"}</c>.
/// </summary>
public sealed class FakeCohere : FakeProvider
{
    /// <inheritdoc />
    public override string Name => "cohere";

    /// <inheritdoc />
    public override string DisplayName => "Cohere";

    /// <inheritdoc />
    public override string BaseUrl => Address.ToString();

    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v2/chat", async context =>
        {
            var request = await RecordAsync(context);
            switch (Behaviour(BearerKey(context)))
            {
                case FakeKeyBehaviour.Invalid:
                    await JsonAsync(context, 401, new { id = "fake-0001", message = "invalid api token" });
                    return;
                case FakeKeyBehaviour.RateLimited:
                    context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await JsonAsync(context, 429, new { id = "fake-0001", message = "You are using a Trial key, which is limited to 10 API calls / minute." });
                    return;
                case FakeKeyBehaviour.Slow:
                    await HoldAsync(context);
                    return;
            }

            var reply = Reply(LastUserText(request.Body.GetProperty("messages")));
            if (request.Body.TryGetProperty("stream", out var stream) && stream.GetBoolean())
            {
                await StartEventsAsync(context);
                await EventAsync(context, "message-start", new { id = "fake-0001", type = "message-start", delta = new { message = new { role = "assistant", content = Array.Empty<object>(), tool_plan = "", tool_calls = Array.Empty<object>(), citations = Array.Empty<object>() } } });
                await EventAsync(context, "content-start", new { type = "content-start", index = 0, delta = new { message = new { content = new { type = "text", text = "" } } } });
                foreach (var piece in Pieces(reply))
                {
                    await EventAsync(context, "content-delta", new { type = "content-delta", index = 0, delta = new { message = new { content = new { text = piece } } } });
                }

                await EventAsync(context, "content-end", new { type = "content-end", index = 0 });
                await EventAsync(context, "message-end", new { type = "message-end", delta = new { finish_reason = "COMPLETE", usage = new { billed_units = new { input_tokens = 9, output_tokens = 12 }, tokens = new { input_tokens = 9, output_tokens = 12 } } } });
                return;
            }

            await JsonAsync(context, 200, new
            {
                id = "fake-0001",
                finish_reason = "COMPLETE",
                message = new { role = "assistant", content = new[] { new { type = "text", text = reply } } },
                usage = new { billed_units = new { input_tokens = 9, output_tokens = 12 }, tokens = new { input_tokens = 9, output_tokens = 12 } },
            });
        });
    }
}
