using System.Runtime.CompilerServices;
using Bytez.Engine.Templating;

namespace Bytez.Engine.Generation;

/// <summary>Renders a conversation into a model's prompt with the model's own chat template.</summary>
public static class ChatPrompt
{
    private static readonly ConditionalWeakTable<IGenerativeInstance, ChatTemplate> Parsed = [];

    /// <summary>
    /// Renders the messages with <c>add_generation_prompt</c> on, as transformers' <c>apply_chat_template</c> does
    /// before generating. <paramref name="enableThinking"/>, when set, is passed to the template.
    /// </summary>
    /// <exception cref="EngineException">The model has no chat template, the template cannot be parsed, or it refused the conversation.</exception>
    public static string Render(IGenerativeInstance model, IReadOnlyList<ChatPromptMessage> messages, bool? enableThinking)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw EngineException.BadInput("`messages` is empty; send at least one {\"role\": \"user\", \"content\": \"...\"}.");
        }

        var source = model.ChatTemplate
            ?? throw EngineException.NotSupported($"{model.Model.Id} has no chat template, so it cannot take messages; send a text to continue instead.");
        ChatTemplate template;
        try
        {
            template = Parsed.GetValue(model, _ => ChatTemplate.Parse(source));
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
            return template.Render(list, addGenerationPrompt: true, model.Tokenizer.BosToken, model.Tokenizer.EosToken, extra);
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
}
