using System.Runtime.CompilerServices;
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

        var list = messages
            .Select(m => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["role"] = m.Role,
                ["content"] = m.Content,
            })
            .ToList();
        var extra = enableThinking is { } thinking
            ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["enable_thinking"] = thinking }
            : null;
        try
        {
            return template.Render(
                list, addGenerationPrompt: true, model.Tokenizer.BosToken, model.Tokenizer.EosToken, extra, ForConversation(limits, messages), cancellationToken);
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

    /// <summary>The limits for one conversation: the output may hold twice its characters on top of the configured size.</summary>
    private static TemplateLimits ForConversation(TemplateLimits limits, IReadOnlyList<ChatPromptMessage> messages)
    {
        var chars = messages.Sum(m => (long)m.Role.Length + m.Content.Length);
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
