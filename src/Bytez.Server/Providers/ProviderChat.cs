using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Apis;

namespace Bytez.Server.Providers;

/// <summary>One message of a conversation sent to a provider: its role (<c>system</c>, <c>user</c> or <c>assistant</c>) and its text.</summary>
/// <param name="Role">The Bytez role.</param>
/// <param name="Text">The message's text (text blocks joined).</param>
public sealed record ProviderMessage(string Role, string Text);

/// <summary>
/// A Bytez run request for a closed-source chat model, as every provider adapter reads it: the conversation
/// (from <c>messages</c>, or the generic <c>input</c> as messages or one user string, or <c>text</c>), the
/// <c>params</c> object passed to the provider unchanged, and whether to stream.
/// </summary>
public sealed class ProviderChat
{
    private const string Expected =
        "a closed-source chat model takes 'messages' (or 'input') as [{\"role\": \"user\", \"content\": \"Hello\"}] or a string";

    private ProviderChat(IReadOnlyList<ProviderMessage> messages, JsonElement? parameters, bool stream)
    {
        Messages = messages;
        Params = parameters;
        Stream = stream;
    }

    /// <summary>The conversation, in order; never empty.</summary>
    public IReadOnlyList<ProviderMessage> Messages { get; }

    /// <summary>The request's <c>params</c> object, written into the provider's request body key by key, or <see langword="null"/>.</summary>
    public JsonElement? Params { get; }

    /// <summary>Whether the answer is streamed as text.</summary>
    public bool Stream { get; }

    /// <summary>The system messages' texts joined by blank lines, or <see langword="null"/> when there are none.</summary>
    public string? SystemText =>
        Messages.Any(m => m.Role == "system") ? string.Join("\n\n", Messages.Where(m => m.Role == "system").Select(m => m.Text)) : null;

    /// <summary>The conversation without its system messages.</summary>
    public IEnumerable<ProviderMessage> Turns => Messages.Where(m => m.Role != "system");

    /// <summary>Reads the request; a 400 says what a closed-source chat model takes.</summary>
    /// <exception cref="EngineException">No conversation, a role other than system/user/assistant, or content other than text (BadInput).</exception>
    public static ProviderChat From(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<ProviderMessage> messages;
        if (request.Messages is { } typed)
        {
            messages = typed.Select((m, i) => Message(m.Role, m.Content, $"messages[{i}]")).ToList();
        }
        else if (request.Input is { ValueKind: JsonValueKind.Array } array)
        {
            messages = [];
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                var path = $"input[{index++}]";
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("content", out var content))
                {
                    throw EngineException.BadInput($"'{path}' must be a message {{\"role\", \"content\"}}; got {RunRequestReader.Describe(item)}. {Capitalized(Expected)}.");
                }

                messages.Add(Message(role.GetString()!, content, path));
            }
        }
        else if (request.Input is { ValueKind: JsonValueKind.String } single)
        {
            messages = [new ProviderMessage("user", single.GetString()!)];
        }
        else if (request.Text is { } text)
        {
            messages = [new ProviderMessage("user", text)];
        }
        else if (request.Input is { } other)
        {
            throw EngineException.BadInput($"'input' must be messages or a string; got {RunRequestReader.Describe(other)}. {Capitalized(Expected)}.");
        }
        else
        {
            throw EngineException.BadInput($"The request has no conversation: {Expected}.");
        }

        if (messages.Count == 0 || messages.All(m => m.Role == "system"))
        {
            throw EngineException.BadInput($"The conversation has no user or assistant message: {Expected}.");
        }

        return new ProviderChat(messages, request.Params, request.Stream == true);
    }

    private static ProviderMessage Message(string role, JsonElement content, string path)
    {
        if (role is not ("system" or "user" or "assistant"))
        {
            throw EngineException.BadInput($"'{path}.role' must be system, user or assistant; got '{role}'.");
        }

        return new ProviderMessage(role, ContentText(content, path));
    }

    /// <summary>A message's content as text: a string, or an array of <c>{"type": "text", "text"}</c> blocks joined.</summary>
    private static string ContentText(JsonElement content, string path)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"'{path}.content' must be a string or an array of text blocks; got {RunRequestReader.Describe(content)}.");
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object
                || !block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                || !block.TryGetProperty("text", out var blockText) || blockText.ValueKind != JsonValueKind.String)
            {
                throw EngineException.NotSupported(
                    $"'{path}.content[{index}]' is not a text block {{\"type\": \"text\", \"text\": \"...\"}}: this server passes only text to closed-source providers.");
            }

            text.Append(blockText.GetString());
            index++;
        }

        return text.ToString();
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
