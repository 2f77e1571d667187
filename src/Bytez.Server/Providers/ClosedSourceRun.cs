using System.Text.Json;
using Bytez.Server.Apis;

namespace Bytez.Server.Providers;

/// <summary>
/// The run route for a closed-source model (<c>POST /models/v2/{provider}/{model}</c> when the id is not in the
/// catalog): the Bytez body read as for every model, the chat run through <see cref="ProviderProxy"/>, and the answer
/// in the envelope with the provider's raw answer: <c>{"error": null, "output": {"role": "assistant", "content"},
/// "provider": {...}}</c>, or, streamed, the text as raw chunks like every Bytez stream.
/// </summary>
public static class ClosedSourceRun
{
    /// <summary>Answers the request with the provider's chat.</summary>
    public static async Task RunAsync(HttpContext context, IChatProvider provider, string model, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(provider);
        var proxy = context.RequestServices.GetRequiredService<ProviderProxy>();
        var chat = ProviderChat.From(RunRequestReader.Read(body));
        var callerKey = context.Request.Headers[ProviderProxy.KeyHeader].ToString();
        if (chat.Stream)
        {
            await RunApi.StreamAsync(context, proxy.StreamAsync(provider, model, chat, callerKey, context.RequestAborted)).ConfigureAwait(false);
            return;
        }

        var (text, raw) = await proxy.RunAsync(provider, model, chat, callerKey, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("role", "assistant");
            w.WriteString("content", text);
            w.WriteEndObject();
        }, provider: raw).ConfigureAwait(false);
    }
}
