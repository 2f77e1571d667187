namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// The Anthropic-compatible Messages API: the same routes under Bytez's base (<c>/models/v2/anthropic/v1</c>) and
/// under <c>/v1</c>, so that a client configured with <c>base_url=http://host:8080</c> (the Anthropic SDKs add
/// <c>/v1/messages</c> themselves) works. Requests translate at this edge into the engine's one path; answers and
/// errors are in Anthropic's shapes (<see cref="AnthropicErrors"/>).
/// </summary>
public static class AnthropicApi
{
    /// <summary>The Anthropic-compatible base under the Bytez API.</summary>
    public const string BytezPrefix = "/models/v2/anthropic/v1";

    /// <summary>The conventional base path, shared with the OpenAI-compatible API; Anthropic's routes under it are <c>/v1/messages...</c>.</summary>
    public const string Prefix = "/v1";

    /// <summary>The path of the Messages API under <see cref="Prefix"/>, which tells Anthropic's routes from OpenAI's there.</summary>
    public const string MessagesPath = Prefix + "/messages";

    /// <summary>
    /// Whether a request path is one of Anthropic's: anything under <see cref="BytezPrefix"/>, or <c>/v1/messages</c>
    /// and below (the rest of <c>/v1</c> is OpenAI's).
    /// </summary>
    public static bool IsAnthropicPath(PathString path) => path.StartsWithSegments(MessagesPath) || path.StartsWithSegments(BytezPrefix);

    /// <summary>Maps every Anthropic-compatible route under both bases.</summary>
    public static IEndpointRouteBuilder MapAnthropicApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var prefix in new[] { BytezPrefix, Prefix })
        {
            var api = app.MapGroup(prefix);
            api.MapAnthropicMessages();
            api.MapAnthropicCountTokens();
        }

        return app;
    }
}
