using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tokenization;

namespace Bytez.Server.Apis.Tokenizer;

/// <summary>
/// The tokenizer utilities of the Bytez API, under <c>/models/v2/utils/</c>, answering in the Bytez envelope:
/// <c>tokenize</c> (a text or chat messages → ids, count, and the token strings when asked), <c>detokenize</c>
/// (ids → text), <c>count-tokens</c> (a chat request's prompt tokens: messages and tools through the chat template, as
/// generation feeds them) and <c>apply-template</c> (messages → the prompt text). Each works over any catalog model
/// with a tokenizer, with the tokenizer the model runs with. The peers' paths are <see cref="TokenizerAliasesApi"/>.
/// </summary>
public static class TokenizerApi
{
    /// <summary>The folder of the utilities under the Bytez API prefix.</summary>
    public const string Folder = "/utils";

    private const string TokenizeExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"text\": \"Hello world\"}";
    private const string DetokenizeExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"ids\": [9707, 1879]}";
    private const string ChatExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";

    /// <summary>Maps the utilities onto the Bytez API group.</summary>
    public static RouteGroupBuilder MapTokenizerApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var utils = api.MapGroup(Folder);
        utils.MapPost("/tokenize", TokenizeAsync);
        utils.MapPost("/detokenize", DetokenizeAsync);
        utils.MapPost("/count-tokens", CountTokensAsync);
        utils.MapPost("/apply-template", ApplyTemplateAsync);
        return api;
    }

    private static async Task TokenizeAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, TokenizeExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", TokenizeExample);
        var request = new TokenizeRequest
        {
            Text = BodyFields.String(body, "text"),
            Chat = ReadChat(body, required: false),
            AddSpecialTokens = BodyFields.Bool(body, "add_special_tokens"),
            ReturnTokenStrings = BodyFields.Bool(body, "return_tokens") ?? false,
        };
        if ((request.Text is null) == (request.Chat is null))
        {
            throw EngineException.BadInput($"Send either 'text' or 'messages', such as {TokenizeExample} or {ChatExample}.");
        }

        var result = await engine.TokenizeAsync(model, request, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, writer => WriteTokens(writer, result)).ConfigureAwait(false);
    }

    private static async Task DetokenizeAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, DetokenizeExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", DetokenizeExample);
        var ids = ReadIds(body, "ids", DetokenizeExample, engine.Limits);
        var skip = BodyFields.Bool(body, "skip_special_tokens") ?? false;
        var text = await engine.DetokenizeAsync(model, ids, skip, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// A chat request's prompt tokens: the body of a chat completion (<c>messages</c>, <c>tools</c>,
    /// <c>enable_thinking</c> or <c>chat_template_kwargs.enable_thinking</c>); its other fields (sampling, stream, ...)
    /// are ignored, so the same body can be sent to both routes.
    /// </summary>
    private static async Task CountTokensAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, ChatExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", ChatExample);
        var chat = ReadChat(body, required: true)!;
        var result = await engine.TokenizeAsync(model, new TokenizeRequest { Chat = chat }, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("count", result.Ids.Count);
            if (result.MaxModelLength is { } max)
            {
                writer.WriteNumber("max_model_len", max);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task ApplyTemplateAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, ChatExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", ChatExample);
        var chat = ReadChat(body, required: true)!;
        var prompt = await engine.ApplyChatTemplateAsync(model, chat, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", prompt);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary><c>{"ids", "count", "max_model_len"?, "tokens"?, "pieces"?, "prompt"?}</c>.</summary>
    private static void WriteTokens(Utf8JsonWriter writer, TokenizeResult result)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("ids");
        foreach (var id in result.Ids)
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
        writer.WriteNumber("count", result.Ids.Count);
        if (result.MaxModelLength is { } max)
        {
            writer.WriteNumber("max_model_len", max);
        }

        WriteStrings(writer, "tokens", result.Tokens);
        WriteStrings(writer, "pieces", result.Pieces);
        if (result.Prompt is not null)
        {
            writer.WriteString("prompt", result.Prompt);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a list of strings under a name, when there is one.</summary>
    internal static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// The chat fields of a body: <c>messages</c> (required when <paramref name="required"/>), <c>tools</c>,
    /// <c>add_generation_prompt</c> (default true), <c>enable_thinking</c> or <c>chat_template_kwargs.enable_thinking</c>;
    /// <see langword="null"/> when there are no messages and they are not required.
    /// </summary>
    internal static ChatTemplateRequest? ReadChat(JsonElement body, bool required)
    {
        if (BodyFields.Optional(body, "messages") is not { } messages)
        {
            return required ? throw EngineException.BadInput($"'messages' is required. Example: {ChatExample}") : null;
        }

        var thinking = BodyFields.Bool(body, "enable_thinking");
        if (BodyFields.Optional(body, "chat_template_kwargs") is { } kwargs)
        {
            thinking = kwargs.ValueKind == JsonValueKind.Object
                ? BodyFields.Bool(kwargs, "enable_thinking") ?? thinking
                : throw EngineException.BadInput($"'chat_template_kwargs' must be an object; got {RunRequestReader.Describe(kwargs)}.");
        }

        return new ChatTemplateRequest
        {
            Messages = messages.Clone(),
            Tools = BodyFields.Optional(body, "tools")?.Clone(),
            AddGenerationPrompt = BodyFields.Bool(body, "add_generation_prompt") ?? true,
            EnableThinking = thinking,
        };
    }

    /// <summary>A list of token ids (integers), at most <see cref="RequestLimitsOptions.MaxInputTokens"/>.</summary>
    internal static int[] ReadIds(JsonElement body, string name, string example, RequestLimitsOptions limits)
    {
        var value = BodyFields.Optional(body, name) is { ValueKind: JsonValueKind.Array } list
            ? list
            : throw EngineException.BadInput($"'{name}' must be a list of token ids. Example: {example}");
        if (value.GetArrayLength() > limits.MaxInputTokens)
        {
            throw limits.TooManyTokens($"{value.GetArrayLength()} ids to decode");
        }

        var ids = new int[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            ids[i] = item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id)
                ? id
                : throw EngineException.BadInput($"'{name}[{i}]' must be an integer token id; got {RunRequestReader.Describe(item)}.");
            i++;
        }

        return ids;
    }
}
