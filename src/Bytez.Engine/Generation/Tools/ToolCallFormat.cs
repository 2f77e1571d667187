using System.Security.Cryptography;
using System.Text.Json;

namespace Bytez.Engine.Generation.Tools;

/// <summary>
/// How a family of chat models writes tool calls in its output, chosen from the model's chat template by
/// <see cref="Detect"/>. Each format gives the literal text that opens and closes a call of a named function, so a
/// call can be forced: the opening (appended to the prompt, or generated), then the arguments under a JSON-schema
/// constraint, then the closing. <see cref="AssistantOutputParser"/> reads outputs of every format.
/// </summary>
public sealed class ToolCallFormat
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private ToolCallFormat(string name, ToolCallSyntax syntax)
    {
        Name = name;
        Syntax = syntax;
    }

    /// <summary>
    /// Hermes, Qwen 2.5, Qwen 3 and their kin: each call is <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>,
    /// anywhere in the answer, one or several.
    /// </summary>
    public static ToolCallFormat Hermes { get; } = new("hermes", ToolCallSyntax.Hermes);

    /// <summary>
    /// Llama 3.1, 3.2 and 3.3: the answer is the call, <c>{"name": ..., "parameters": {...}}</c>, optionally after
    /// <c>&lt;|python_tag|&gt;</c>; several calls are separated by ';'.
    /// </summary>
    public static ToolCallFormat Llama3Json { get; } = new("llama3_json", ToolCallSyntax.Llama3Json);

    /// <summary>Mistral 7B v0.3 and Nemo: <c>[TOOL_CALLS] [{"name": ..., "arguments": {...}}, ...]</c>.</summary>
    public static ToolCallFormat Mistral { get; } = new("mistral", ToolCallSyntax.Mistral);

    /// <summary>Newer Mistral templates (Small 3.2, Magistral, Devstral): <c>[TOOL_CALLS]name[ARGS]{...}</c> per call.</summary>
    public static ToolCallFormat MistralNamed { get; } = new("mistral_named", ToolCallSyntax.Mistral);

    /// <summary>The format's name (hermes, llama3_json, mistral, mistral_named).</summary>
    public string Name { get; }

    internal ToolCallSyntax Syntax { get; }

    /// <summary>
    /// The format a chat template's model writes, or <see langword="null"/> when the template shows none. Checked in
    /// this order: a template that writes <c>[TOOL_CALLS]</c> is Mistral's (<see cref="MistralNamed"/> when it also
    /// writes <c>[ARGS]</c>); one that writes <c>&lt;tool_call&gt;</c> is Hermes'; one with Llama 3 headers
    /// (<c>&lt;|start_header_id|&gt;</c>) that renders <c>tools</c> is <see cref="Llama3Json"/>.
    /// </summary>
    public static ToolCallFormat? Detect(string? chatTemplate)
    {
        if (string.IsNullOrEmpty(chatTemplate))
        {
            return null;
        }

        if (chatTemplate.Contains("[TOOL_CALLS]", StringComparison.Ordinal))
        {
            return chatTemplate.Contains("[ARGS]", StringComparison.Ordinal) ? MistralNamed : Mistral;
        }

        if (chatTemplate.Contains("<tool_call>", StringComparison.Ordinal))
        {
            return Hermes;
        }

        if (chatTemplate.Contains("<|start_header_id|>", StringComparison.Ordinal) && chatTemplate.Contains("tools", StringComparison.Ordinal))
        {
            return Llama3Json;
        }

        return null;
    }

    /// <summary>The text that opens a call of <paramref name="functionName"/>, up to where its arguments object starts.</summary>
    public string CallOpening(string functionName)
    {
        var name = JsonEncodedText.Encode(functionName ?? throw new ArgumentNullException(nameof(functionName))).ToString();
        return Name switch
        {
            "hermes" => $"<tool_call>\n{{\"name\": \"{name}\", \"arguments\": ",
            "llama3_json" => $"{{\"name\": \"{name}\", \"parameters\": ",
            "mistral" => $"[TOOL_CALLS] [{{\"name\": \"{name}\", \"arguments\": ",
            _ => $"[TOOL_CALLS]{functionName}[ARGS]",
        };
    }

    /// <summary>The text that closes a call after its arguments object.</summary>
    public string CallClosing => Name switch
    {
        "hermes" => "}\n</tool_call>",
        "llama3_json" => "}",
        "mistral" => "}]",
        _ => string.Empty,
    };

    /// <summary>
    /// A new call id: "call_" and 24 random letters and digits; for Mistral, 9 letters and digits, the only ids its
    /// templates accept back.
    /// </summary>
    public string NewCallId()
        => Syntax == ToolCallSyntax.Mistral ? RandomNumberGenerator.GetString(Alphanumerics, 9) : "call_" + RandomNumberGenerator.GetString(Alphanumerics, 24);

    /// <summary>
    /// A call id as this format's templates accept it in the conversation: unchanged, except for Mistral, whose
    /// templates refuse any id but 9 letters and digits; other ids map to 9 characters derived from them (the same
    /// id always maps to the same characters, so a call and its answer still match).
    /// </summary>
    public string TemplateCallId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Syntax != ToolCallSyntax.Mistral || (id.Length == 9 && id.All(char.IsAsciiLetterOrDigit)))
        {
            return id;
        }

        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id));
        return string.Create(9, hash, static (span, h) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphanumerics[h[i] % Alphanumerics.Length];
            }
        });
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The syntax families the parser reads.</summary>
internal enum ToolCallSyntax
{
    Hermes,
    Llama3Json,
    Mistral,
}
