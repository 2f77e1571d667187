using Bytez;
using Bytez.Protocol;

namespace Bytez.Samples;

/// <summary>A chat in the terminal: each reply is printed as it is generated, and the whole conversation is sent each turn.</summary>
public static class StreamingChat
{
    /// <summary>
    /// Reads one user message per line from <paramref name="input"/> (until an empty line or the end), streams the
    /// model's reply to <paramref name="output"/> piece by piece, and keeps both in the conversation it returns.
    /// </summary>
    public static async Task<IReadOnlyList<ChatMessage>> RunAsync(
        BytezClient client, string modelId, TextReader input, TextWriter output, ModelParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var model = client.Model(modelId);
        parameters ??= new ModelParameters { MaxNewTokens = 256 };
        var conversation = new List<ChatMessage>();

        await output.WriteLineAsync($"Chatting with {modelId}. An empty line ends.");
        while (true)
        {
            await output.WriteAsync("you> ");
            await output.FlushAsync(cancellationToken);
            if (await input.ReadLineAsync(cancellationToken) is not { Length: > 0 } line)
            {
                break;
            }

            conversation.Add(new ChatMessage("user", line));
            await output.WriteAsync("bot> ");
            var reply = new System.Text.StringBuilder();
            await foreach (var piece in model.StreamAsync(conversation, parameters, cancellationToken))   // throws BytezException on error
            {
                reply.Append(piece);
                await output.WriteAsync(piece);
                await output.FlushAsync(cancellationToken);
            }

            await output.WriteLineAsync();
            conversation.Add(new ChatMessage("assistant", reply.ToString()));
        }

        return conversation;
    }
}
