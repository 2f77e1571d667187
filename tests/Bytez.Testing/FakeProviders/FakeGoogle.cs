using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bytez.Testing.FakeProviders;

/// <summary>
/// A fake of Google's Gemini API: <c>POST /v1beta/models/{model}:generateContent</c> and
/// <c>:streamGenerateContent?alt=sse</c>, the key in <c>x-goog-api-key</c> or <c>?key=</c>; a
/// <c>GenerateContentResponse</c>, or one per SSE <c>data:</c> event (CRLF-separated, as Google sends them); a bad key
/// is Google's 400 with reason <c>API_KEY_INVALID</c>, a rate limit its 429 <c>RESOURCE_EXHAUSTED</c> with a RetryInfo
/// <c>retryDelay</c> and no Retry-After header.
/// </summary>
public sealed class FakeGoogle : FakeProvider
{
    /// <inheritdoc />
    public override string Name => "google";

    /// <inheritdoc />
    public override string DisplayName => "Google";

    /// <inheritdoc />
    public override string BaseUrl => Address.ToString();

    /// <inheritdoc />
    protected override void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1beta/models/{call}", async (HttpContext context, string call) =>
        {
            var request = await RecordAsync(context);
            var key = context.Request.Headers["x-goog-api-key"].ToString() is { Length: > 0 } header ? header : context.Request.Query["key"].ToString();
            var colon = call.LastIndexOf(':');
            var (model, method) = colon < 0 ? (call, "") : (call[..colon], call[(colon + 1)..]);
            if (method is not ("generateContent" or "streamGenerateContent"))
            {
                await JsonAsync(context, 404, new { error = new { code = 404, message = $"Method {method} not found", status = "NOT_FOUND" } });
                return;
            }

            switch (Behaviour(key))
            {
                case FakeKeyBehaviour.Invalid:
                    await JsonAsync(context, 400, new
                    {
                        error = new
                        {
                            code = 400,
                            message = "API key not valid. Please pass a valid API key.",
                            status = "INVALID_ARGUMENT",
                            details = new object[]
                            {
                                new Dictionary<string, object>
                                {
                                    ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                                    ["reason"] = "API_KEY_INVALID",
                                    ["domain"] = "googleapis.com",
                                    ["metadata"] = new { service = "generativelanguage.googleapis.com" },
                                },
                            },
                        },
                    });
                    return;
                case FakeKeyBehaviour.RateLimited:
                    await JsonAsync(context, 429, new
                    {
                        error = new
                        {
                            code = 429,
                            message = "You exceeded your current quota, please check your plan and billing details.",
                            status = "RESOURCE_EXHAUSTED",
                            details = new object[]
                            {
                                new Dictionary<string, object> { ["@type"] = "type.googleapis.com/google.rpc.RetryInfo", ["retryDelay"] = $"{RetryAfterSeconds}s" },
                            },
                        },
                    });
                    return;
                case FakeKeyBehaviour.Slow:
                    await HoldAsync(context);
                    return;
            }

            var reply = Reply(LastUserText(request.Body.GetProperty("contents")));
            if (method == "streamGenerateContent")
            {
                if (context.Request.Query["alt"] != "sse")
                {
                    await JsonAsync(context, 400, new { error = new { code = 400, message = "this fake streams only with alt=sse", status = "INVALID_ARGUMENT" } });
                    return;
                }

                await StartEventsAsync(context);
                var pieces = Pieces(reply);
                for (var i = 0; i < pieces.Count; i++)
                {
                    await EventAsync(context, null, Response(model, pieces[i], i == pieces.Count - 1 ? "STOP" : null), "\r\n");
                }

                return;
            }

            await JsonAsync(context, 200, Response(model, reply, "STOP"));
        });
    }

    private static object Response(string model, string text, string? finishReason) => new
    {
        candidates = new[] { new { content = new { parts = new[] { new { text } }, role = "model" }, finishReason, index = 0 } },
        usageMetadata = new { promptTokenCount = 9, candidatesTokenCount = 12, totalTokenCount = 21 },
        modelVersion = model,
        responseId = "fake-response-0001",
    };
}
