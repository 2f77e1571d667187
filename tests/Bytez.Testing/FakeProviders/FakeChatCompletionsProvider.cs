using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bytez.Testing.FakeProviders;

/// <summary>
/// A fake of OpenAI's Chat Completions wire format (OpenAI, Mistral): <c>POST /v1/chat/completions</c> with
/// <c>Authorization: Bearer</c>; a <c>chat.completion</c> object, or <c>chat.completion.chunk</c> SSE events ended by
/// <c>data: [DONE]</c>.
/// </summary>
public abstract class FakeChatCompletionsProvider : FakeProvider
{
    /// <inheritdoc />
    public override string BaseUrl => new Uri(Address, "v1").ToString();

    /// <summary>The provider's error body for a refused key (sent with 401).</summary>
    protected abstract object InvalidKeyBody(string key);

    /// <summary>The provider's error body for a rate limit (sent with 429 and Retry-After).</summary>
    protected abstract object RateLimitBody(string model);

    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/chat/completions", async context =>
        {
            var request = await RecordAsync(context);
            var key = BearerKey(context) ?? "";
            var model = request.Body.GetProperty("model").GetString()!;
            switch (Behaviour(key))
            {
                case FakeKeyBehaviour.Invalid:
                    await JsonAsync(context, 401, InvalidKeyBody(key));
                    return;
                case FakeKeyBehaviour.RateLimited:
                    context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await JsonAsync(context, 429, RateLimitBody(model));
                    return;
                case FakeKeyBehaviour.Slow:
                    await HoldAsync(context);
                    return;
            }

            var reply = Reply(LastUserText(request.Body.GetProperty("messages")));
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (request.Body.TryGetProperty("stream", out var stream) && stream.GetBoolean())
            {
                await StartEventsAsync(context);
                await EventAsync(context, null, Chunk(model, created, new { role = "assistant", content = "" }, null));
                foreach (var piece in Pieces(reply))
                {
                    await EventAsync(context, null, Chunk(model, created, new { content = piece }, null));
                }

                await EventAsync(context, null, Chunk(model, created, new { }, "stop"));
                await EventAsync(context, null, "[DONE]");
                return;
            }

            await JsonAsync(context, 200, new
            {
                id = "chatcmpl-fake0001",
                @object = "chat.completion",
                created,
                model,
                choices = new[]
                {
                    new { index = 0, message = new { role = "assistant", content = reply }, logprobs = (object?)null, finish_reason = "stop" },
                },
                usage = new { prompt_tokens = 9, completion_tokens = 12, total_tokens = 21 },
            });
        });
    }

    private static object Chunk(string model, long created, object delta, string? finishReason) => new
    {
        id = "chatcmpl-fake0001",
        @object = "chat.completion.chunk",
        created,
        model,
        choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
    };
}

/// <summary>A fake of OpenAI's Chat Completions API.</summary>
public sealed class FakeOpenAi : FakeChatCompletionsProvider
{
    /// <inheritdoc />
    public override string Name => "openai";

    /// <inheritdoc />
    public override string DisplayName => "OpenAI";

    /// <inheritdoc />
    protected override object InvalidKeyBody(string key) => new
    {
        // The real API masks the key; this fake quotes it whole, to prove the proxy cuts it out.
        error = new { message = $"Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys.", type = "invalid_request_error", param = (string?)null, code = "invalid_api_key" },
    };

    /// <inheritdoc />
    protected override object RateLimitBody(string model) => new
    {
        error = new { message = $"Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3, Requested 1.", type = "requests", param = (string?)null, code = "rate_limit_exceeded" },
    };
}

/// <summary>A fake of Mistral's chat completions API.</summary>
public sealed class FakeMistral : FakeChatCompletionsProvider
{
    /// <inheritdoc />
    public override string Name => "mistral";

    /// <inheritdoc />
    public override string DisplayName => "Mistral";

    /// <inheritdoc />
    protected override object InvalidKeyBody(string key) => new { message = "Unauthorized", request_id = "3f1e0c9a8b7d6e5f" };

    /// <inheritdoc />
    protected override object RateLimitBody(string model) => new
    {
        @object = "error", message = "Requests rate limit exceeded", type = "rate_limited", param = (string?)null, code = "1300",
    };
}
