using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tokenization;

namespace Bytez.Server.Apis.Tokenizer;

/// <summary>
/// The tokenizer utilities at the peers' paths, in their shapes, for their clients and scripts:
/// <c>POST /tokenize</c> (vLLM's <c>{prompt | messages, add_special_tokens, return_token_strs}</c> →
/// <c>{count, max_model_len, tokens, token_strs}</c>; llama.cpp's <c>{content, add_special, with_pieces}</c> →
/// <c>{tokens}</c>, told apart by <c>content</c>), <c>POST /detokenize</c> (<c>{tokens}</c> → <c>{prompt, content}</c>:
/// vLLM's and llama.cpp's names for the text) and <c>POST /apply-template</c> (llama.cpp's <c>{messages}</c> →
/// <c>{prompt}</c>). Both peers serve one model; here <c>model</c> names it in the body. Errors are the
/// OpenAI-style object both peers answer with (<see cref="OpenAi.OpenAiErrors"/>).
/// </summary>
public static class TokenizerAliasesApi
{
    /// <summary>The peers' paths.</summary>
    public static readonly IReadOnlyList<string> Paths = ["/tokenize", "/detokenize", "/apply-template"];

    private const string TokenizeExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"prompt\": \"Hello world\"}";
    private const string DetokenizeExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"tokens\": [9707, 1879]}";
    private const string TemplateExample = "{\"model\": \"Qwen/Qwen2.5-0.5B-Instruct\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";

    /// <summary>Whether a request path is one of the peers' tokenizer paths (for the error shape and the API key).</summary>
    public static bool IsAliasPath(PathString path) => Paths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Maps the three paths.</summary>
    public static IEndpointRouteBuilder MapTokenizerAliasesApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(Paths[0], TokenizeAsync);
        app.MapPost(Paths[1], DetokenizeAsync);
        app.MapPost(Paths[2], ApplyTemplateAsync);
        return app;
    }

    private static async Task TokenizeAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, TokenizeExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", TokenizeExample);
        if (BodyFields.Optional(body, "content") is not null)
        {
            await LlamaCppTokenizeAsync(context, engine, body, model).ConfigureAwait(false);
            return;
        }

        var chat = TokenizerApi.ReadChat(body, required: false);
        var prompt = BodyFields.String(body, "prompt");
        if ((prompt is null) == (chat is null))
        {
            throw EngineException.BadInput($"Send either 'prompt' or 'messages' (or llama.cpp's 'content'), such as {TokenizeExample}.");
        }

        var returnStrings = BodyFields.Bool(body, "return_token_strs") ?? false;
        var result = await engine.TokenizeAsync(
            model,
            new TokenizeRequest { Text = prompt, Chat = chat, AddSpecialTokens = BodyFields.Bool(body, "add_special_tokens"), ReturnTokenStrings = returnStrings },
            context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("count", result.Ids.Count);
            if (result.MaxModelLength is { } max)
            {
                writer.WriteNumber("max_model_len", max);
            }
            else
            {
                writer.WriteNull("max_model_len");
            }

            WriteIds(writer, "tokens", result.Ids);
            if (result.Tokens is null)
            {
                writer.WriteNull("token_strs");
            }
            else
            {
                TokenizerApi.WriteStrings(writer, "token_strs", result.Tokens);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>llama.cpp's form: <c>add_special</c> (default false), <c>parse_special</c> (only true), <c>with_pieces</c>.</summary>
    private static async Task LlamaCppTokenizeAsync(HttpContext context, InferenceEngine engine, JsonElement body, string model)
    {
        var content = BodyFields.RequiredText(body, "content", "{\"model\": \"...\", \"content\": \"Hello world\"}");
        if (BodyFields.Bool(body, "parse_special") == false)
        {
            throw EngineException.BadInput("'parse_special': false is not supported: special-token strings in the text are always read as special tokens.");
        }

        var withPieces = BodyFields.Bool(body, "with_pieces") ?? false;
        var result = await engine.TokenizeAsync(
            model,
            new TokenizeRequest { Text = content, AddSpecialTokens = BodyFields.Bool(body, "add_special") ?? false, ReturnTokenStrings = withPieces },
            context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            if (!withPieces)
            {
                WriteIds(writer, "tokens", result.Ids);
            }
            else
            {
                writer.WriteStartArray("tokens");
                for (var i = 0; i < result.Ids.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("id", result.Ids[i]);
                    writer.WriteString("piece", result.Pieces![i]);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task DetokenizeAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, DetokenizeExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", DetokenizeExample);
        var ids = TokenizerApi.ReadIds(body, "tokens", DetokenizeExample, engine.Limits);
        var text = await engine.DetokenizeAsync(model, ids, BodyFields.Bool(body, "skip_special_tokens") ?? false, context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", text);
            writer.WriteString("content", text);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task ApplyTemplateAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, TemplateExample).ConfigureAwait(false);
        var model = BodyFields.RequiredString(body, "model", TemplateExample);
        var chat = TokenizerApi.ReadChat(body, required: true)!;
        var prompt = await engine.ApplyChatTemplateAsync(model, chat, context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", prompt);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<int> ids)
    {
        writer.WriteStartArray(name);
        foreach (var id in ids)
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
    }
}
