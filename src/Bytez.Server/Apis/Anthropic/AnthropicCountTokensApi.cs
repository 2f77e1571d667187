using Bytez.Engine;
using Bytez.Server.Apis.OpenAi;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// <c>POST messages/count_tokens</c>: the tokens of the prompt a Messages request would feed the model — its system
/// prompt, messages and tools rendered with the model's chat template and tokenized, as generation renders them —
/// answered as <c>{"input_tokens": N}</c>. Nothing is generated; the model is loaded if it is not, for its tokenizer.
/// </summary>
public static class AnthropicCountTokensApi
{
    private const string Endpoint = "messages/count_tokens";

    /// <summary>Maps the route onto an Anthropic-compatible group.</summary>
    public static RouteGroupBuilder MapAnthropicCountTokens(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/messages/count_tokens", CountAsync);
        return api;
    }

    private static async Task CountAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, AnthropicRequest.Example).ConfigureAwait(false);
        var request = AnthropicRequest.Read(body, countTokens: true);
        var model = OpenAiGeneration.FindModel(engine, request.ModelId, Endpoint);
        var tokens = await engine.CountPromptTokensAsync(model.Id, request.ToRunRequest(model.Id), context.RequestAborted).ConfigureAwait(false);
        AnthropicErrors.RequestId(context);
        await OpenAiApi.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("input_tokens", tokens);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
