using System.Text;
using System.Text.Json;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    /// <summary>The line that ends a chat.</summary>
    internal const string ByeCommand = "/bye";

    /// <summary>
    /// <c>bytez run &lt;model&gt;</c> without an input: reads one user message a line, streams each reply to standard
    /// output and sends the whole conversation (system, user and assistant messages) with every turn. Ends at
    /// <c>/bye</c> or the end of the input (Ctrl+D). On a terminal, <c>&gt;&gt;&gt; </c> prompts on standard error.
    /// </summary>
    private async Task<int> ChatAsync(BytezModel handle, string? system, JsonElement? parameters, CancellationToken cancellationToken)
    {
        var messages = new List<(string Role, string Content)>();
        if (!string.IsNullOrWhiteSpace(system))
        {
            messages.Add(("system", system));
        }

        if (_environment.InputIsTerminal)
        {
            await _err.WriteLineAsync($"Chatting with {handle.Id}. Type {ByeCommand} or press Ctrl+D to end.").ConfigureAwait(false);
        }

        while (true)
        {
            if (_environment.InputIsTerminal)
            {
                await _err.WriteAsync(">>> ").ConfigureAwait(false);
                await _err.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // A console read cannot be cancelled: it runs on the thread pool, and Ctrl+C stops waiting for it.
            var reader = _environment.Input;
            var line = await Task.Run(reader.ReadLine, CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Trim() == ByeCommand)
            {
                if (line is null && _environment.InputIsTerminal)
                {
                    await _err.WriteLineAsync().ConfigureAwait(false);
                }

                return Program.Success;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            messages.Add(("user", line));
            var input = MessagesJson(messages);
            var pieces = parameters is { } p ? handle.StreamAsync(input, p, cancellationToken) : handle.StreamAsync(input, null, cancellationToken);
            var reply = new StringBuilder();
            await foreach (var piece in pieces.ConfigureAwait(false))
            {
                reply.Append(piece);
                await _out.WriteAsync(piece).ConfigureAwait(false);
                await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            await _out.WriteLineAsync().ConfigureAwait(false);
            messages.Add(("assistant", reply.ToString()));
        }
    }

    /// <summary>The <c>messages</c> array of a conversation.</summary>
    internal static JsonElement MessagesJson(IReadOnlyList<(string Role, string Content)> messages)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (role, content) in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", role);
                writer.WriteString("content", content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}
