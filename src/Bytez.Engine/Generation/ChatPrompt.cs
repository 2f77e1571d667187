using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Generation.Tools;
using Bytez.Engine.Templating;

namespace Bytez.Engine.Generation;

/// <summary>Renders a conversation into a model's prompt with the model's own chat template.</summary>
public static class ChatPrompt
{
    private static readonly ConditionalWeakTable<IGenerativeInstance, ChatTemplate> Parsed = [];

    /// <summary>
    /// Renders the messages with <c>add_generation_prompt</c> on, as transformers' <c>apply_chat_template</c> does
    /// before generating. <paramref name="enableThinking"/>, when set, is passed to the template. The template is
    /// untrusted: parsing and rendering stay within <paramref name="limits"/> (the defaults when null; the output
    /// may also hold twice the conversation's characters), and rendering stops soon after
    /// <paramref name="cancellationToken"/> is canceled.
    /// </summary>
    /// <exception cref="EngineException">The model has no chat template, the template cannot be parsed, it refused the conversation, or it exceeded a limit (bad input, naming the option that raises it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static string Render(
        IGenerativeInstance model,
        IReadOnlyList<ChatPromptMessage> messages,
        bool? enableThinking,
        TemplateLimits? limits = null,
        CancellationToken cancellationToken = default)
        => Render(model, messages, enableThinking, tools: null, limits, cancellationToken);

    /// <summary>
    /// Renders the messages as the other overload does, with <paramref name="tools"/> (when not null or empty) given
    /// to the template as its <c>tools</c> variable: the list of <c>{"type": "function", "function": {...}}</c>
    /// objects, as transformers' <c>apply_chat_template(messages, tools=...)</c> passes them. Messages carry their
    /// tool calls and tool answers as <see cref="TemplateMessages"/> shapes them.
    /// </summary>
    /// <exception cref="EngineException">The model has no chat template, the template cannot be parsed, it refused the conversation, or it exceeded a limit (bad input, naming the option that raises it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static string Render(
        IGenerativeInstance model,
        IReadOnlyList<ChatPromptMessage> messages,
        bool? enableThinking,
        IReadOnlyList<ChatTool>? tools,
        TemplateLimits? limits = null,
        CancellationToken cancellationToken = default)
        => Render(model, messages, enableThinking, tools, addGenerationPrompt: true, limits, cancellationToken);

    /// <summary>
    /// Renders the messages as the other overloads do, with <c>add_generation_prompt</c> as given: off renders the
    /// conversation alone, as transformers' <c>apply_chat_template(..., add_generation_prompt=False)</c> does.
    /// </summary>
    /// <exception cref="EngineException">The model has no chat template, the template cannot be parsed, it refused the conversation, or it exceeded a limit (bad input, naming the option that raises it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static string Render(
        IGenerativeInstance model,
        IReadOnlyList<ChatPromptMessage> messages,
        bool? enableThinking,
        IReadOnlyList<ChatTool>? tools,
        bool addGenerationPrompt,
        TemplateLimits? limits = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw EngineException.BadInput("`messages` is empty; send at least one {\"role\": \"user\", \"content\": \"...\"}.");
        }

        limits ??= new TemplateLimits();
        var source = model.ChatTemplate
            ?? throw EngineException.NotSupported($"{model.Model.Id} has no chat template, so it cannot take messages; send a text to continue instead.");
        ChatTemplate template;
        try
        {
            template = Parsed.GetValue(model, _ => ChatTemplate.Parse(source, limits));
        }
        catch (TemplateException e) when (e.Limit is { } limit)
        {
            throw LimitExceeded(limit, e.LimitValue);
        }
        catch (TemplateException e)
        {
            throw EngineException.NotSupported($"The chat template of {model.Model.Id} cannot be used: {e.Message}");
        }

        var list = TemplateMessages(messages, ToolCallFormat.Detect(source));
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (enableThinking is { } thinking)
        {
            extra["enable_thinking"] = thinking;
        }

        if (tools is { Count: > 0 })
        {
            extra["tools"] = TemplateTools(tools);
        }

        try
        {
            return template.Render(
                list, addGenerationPrompt, model.Tokenizer.BosToken, model.Tokenizer.EosToken, extra, ForConversation(limits, messages, tools), cancellationToken);
        }
        catch (TemplateException e) when (e.Limit is { } limit)
        {
            throw LimitExceeded(limit, e.LimitValue);
        }
        catch (TemplateException e) when (e.Kind == TemplateErrorKind.Raised)
        {
            throw EngineException.BadInput($"The model's chat template refused the conversation: {e.Message}");
        }
        catch (TemplateException e)
        {
            throw EngineException.NotSupported($"The chat template of {model.Model.Id} failed: {e.Message}");
        }
    }

    /// <summary>
    /// The messages as a chat template reads them, shaped as vLLM shapes OpenAI messages for transformers' templates:
    /// <c>role</c> and <c>content</c> (a string, empty for an assistant that only called tools); an assistant's
    /// <c>tool_calls</c> only when it made some, each <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>
    /// with the arguments parsed to a mapping when they are valid JSON (templates write them with <c>tojson</c>); a
    /// tool message's <c>tool_call_id</c> and a <c>name</c> when given. With a <paramref name="format"/>, call ids
    /// pass through <see cref="ToolCallFormat.TemplateCallId"/> (Mistral's templates take only 9-character ids).
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> TemplateMessages(IReadOnlyList<ChatPromptMessage> messages, ToolCallFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new List<IReadOnlyDictionary<string, object?>>(messages.Count);
        foreach (var m in messages)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = m.Role, ["content"] = m.Content };
            if (m.ToolCalls.Count > 0)
            {
                d["tool_calls"] = m.ToolCalls
                    .Select(c => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["id"] = format?.TemplateCallId(c.Id) ?? c.Id,
                        ["type"] = "function",
                        ["function"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                        {
                            ["name"] = c.Name,
                            ["arguments"] = ParsedArguments(c.Arguments),
                        },
                    })
                    .ToList();
            }

            if (m.ToolCallId is { } id)
            {
                d["tool_call_id"] = format?.TemplateCallId(id) ?? id;
            }

            if (m.Name is { } name)
            {
                d["name"] = name;
            }

            list.Add(d);
        }

        return list;
    }

    /// <summary>The tools as a chat template's <c>tools</c> variable holds them: each definition as the client sent it.</summary>
    public static IReadOnlyList<object?> TemplateTools(IReadOnlyList<ChatTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return tools.Select(t => (object?)t.Definition).ToList();
    }

    /// <summary>Arguments JSON text as a template value: the parsed JSON when valid (an object becomes a mapping), else the text.</summary>
    private static object? ParsedArguments(string arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    /// <summary>The limits for one conversation: the output may hold twice its characters on top of the configured size.</summary>
    private static TemplateLimits ForConversation(TemplateLimits limits, IReadOnlyList<ChatPromptMessage> messages, IReadOnlyList<ChatTool>? tools)
    {
        var chars = messages.Sum(m => (long)m.Role.Length + m.Content.Length + m.ToolCalls.Sum(c => (long)c.Name.Length + c.Arguments.Length + c.Id.Length))
            + (tools?.Sum(t => (long)t.Definition.GetRawText().Length) ?? 0);
        return new TemplateLimits
        {
            MaxSteps = limits.MaxSteps,
            MaxOutputChars = (int)Math.Min(int.MaxValue / 2, limits.MaxOutputChars + (2 * chars)),
            MaxDepth = limits.MaxDepth,
            MaxSourceChars = limits.MaxSourceChars,
            Timeout = limits.Timeout,
        };
    }

    private static EngineException LimitExceeded(TemplateLimit limit, long value)
        => EngineException.BadInput(
            $"The model's chat template exceeded its {TemplateLimits.Describe(limit, value, $"{TemplateLimits.Section}:{TemplateLimits.OptionName(limit)}")}.");
}
