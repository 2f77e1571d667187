using Bytez.Engine;
using Bytez.Server.Apis.OpenAi;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// <c>POST messages</c>: Anthropic's Messages API over the engine's generation (a catalog model of the chat or
/// text-generation task, its chat template). The body is read by <see cref="AnthropicRequest"/>; the answer is a
/// <c>message</c> (<see cref="AnthropicMessage"/>), or with <c>stream</c> Anthropic's events (<see cref="AnthropicStream"/>).
/// The <c>anthropic-version</c> and <c>anthropic-beta</c> headers are accepted and not needed.
/// </summary>
public static class AnthropicMessagesApi
{
    private const string Endpoint = "messages";

    /// <summary>Maps the route onto an Anthropic-compatible group.</summary>
    public static RouteGroupBuilder MapAnthropicMessages(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/messages", CreateAsync);
        return api;
    }

    private static async Task CreateAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, AnthropicRequest.Example).ConfigureAwait(false);
        var request = AnthropicRequest.Read(body, countTokens: false);
        var model = OpenAiGeneration.FindModel(engine, request.ModelId, Endpoint);
        var run = request.ToRunRequest(model.Id);
        var id = AnthropicMessage.NewId();
        var content = new AnthropicContent(request.StopSequences, request.OmitThinking);
        var updates = await engine.StartGenerationAsync(model.Id, run, context.RequestAborted).ConfigureAwait(false);
        if (request.Stream)
        {
            await AnthropicStream.RunAsync(context, updates, content, id, model.Id).ConfigureAwait(false);
            return;
        }

        await foreach (var update in updates.WithCancellation(context.RequestAborted).ConfigureAwait(false))
        {
            if (update.Index == 0)
            {
                content.Add(update);
            }
        }

        content.Complete();
        AnthropicErrors.RequestId(context);
        await OpenAiApi.WriteJsonAsync(context, w => AnthropicMessage.Write(w, id, model.Id, content)).ConfigureAwait(false);
    }
}
