using System.Text.Json;

namespace Bytez.Engine.Tokenization;

/// <summary>A conversation to render with a model's chat template (transformers' <c>apply_chat_template</c> arguments).</summary>
public sealed record ChatTemplateRequest
{
    /// <summary>The messages in OpenAI's form: a non-empty list of <c>{"role", "content", "tool_calls"?, "tool_call_id"?, "name"?}</c>.</summary>
    public required JsonElement Messages { get; init; }

    /// <summary>OpenAI's <c>tools</c> (<c>[{"type": "function", "function": {...}}]</c>), given to the template as its <c>tools</c>; absent or null for none.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>Whether the template adds the opening of the assistant's turn (<c>add_generation_prompt</c>); on by default, as before generating.</summary>
    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary><c>enable_thinking</c> for templates that read it; <see langword="null"/> leaves it undefined.</summary>
    public bool? EnableThinking { get; init; }
}

/// <summary>What to tokenize: a text, or a conversation rendered through the model's chat template first.</summary>
public sealed record TokenizeRequest
{
    /// <summary>The text; exactly one of <see cref="Text"/> and <see cref="Chat"/> is set.</summary>
    public string? Text { get; init; }

    /// <summary>The conversation; exactly one of <see cref="Text"/> and <see cref="Chat"/> is set.</summary>
    public ChatTemplateRequest? Chat { get; init; }

    /// <summary>
    /// Whether the tokenizer adds the model's special tokens (BOS, the post-processor's); <see langword="null"/> means
    /// on for a text and off for a chat (its template writes them), as generation encodes each.
    /// </summary>
    public bool? AddSpecialTokens { get; init; }

    /// <summary>Whether to give each token's vocabulary spelling and its text on its own (<see cref="TokenizeResult.Tokens"/>, <see cref="TokenizeResult.Pieces"/>).</summary>
    public bool ReturnTokenStrings { get; init; }
}

/// <summary>The tokens of a text or a rendered chat.</summary>
/// <param name="Ids">The token ids, as the model is fed them.</param>
/// <param name="Tokens">Each id as the vocabulary spells it (<c>convert_ids_to_tokens</c>: <c>Ġworld</c>, <c>▁world</c>, <c>##ing</c>), only when asked.</param>
/// <param name="Pieces">The text each id adds after the ids before it, special tokens kept (<c>" world"</c>; a token ending inside a character gives U+FFFD), only when asked.</param>
/// <param name="Prompt">The chat rendered by the template, for a chat; <see langword="null"/> for a text.</param>
/// <param name="MaxModelLength">The most tokens the model takes (context length or maximum sequence length), when known.</param>
public sealed record TokenizeResult(IReadOnlyList<int> Ids, IReadOnlyList<string>? Tokens, IReadOnlyList<string>? Pieces, string? Prompt, int? MaxModelLength);
