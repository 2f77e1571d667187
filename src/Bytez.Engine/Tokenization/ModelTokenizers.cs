using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Tools;
using Bytez.Engine.Templating;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tokenization;

/// <summary>
/// The tokenizer utilities over a loaded model: tokenize a text or a chat, detokenize ids, render a chat template.
/// Each model uses the tokenizer it runs with: a decoder's or an encoder-decoder's own (llama.cpp's for GGUF), an
/// encoder's <c>tokenizer.json</c>; an embedding model's folder's <c>tokenizer.json</c> (read once per instance).
/// Every input is bounded: at most <see cref="RequestLimitsOptions.MaxItems"/> messages and ids or tokens up to
/// <see cref="RequestLimitsOptions.MaxInputTokens"/>; templates render within their <see cref="TemplateLimits"/>.
/// </summary>
public static class ModelTokenizers
{
    private static readonly ConditionalWeakTable<IModelInstance, ITextTokenizer> FolderTokenizers = [];

    /// <summary>Tokenizes a text or a chat (rendered first, as generation renders it) with the model's tokenizer.</summary>
    /// <exception cref="EngineException">The model has no tokenizer (or no chat template, for a chat), the input is bad, or it has more tokens than allowed.</exception>
    public static TokenizeResult Tokenize(IModelInstance instance, TokenizeRequest request, RequestLimitsOptions limits, TemplateLimits templates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if ((request.Text is null) == (request.Chat is null))
        {
            throw EngineException.BadInput("Send either a text or chat messages to tokenize, not both and not neither.");
        }

        var tokenizer = TokenizerOf(instance);
        string? prompt = null;
        var text = request.Text;
        if (request.Chat is { } chat)
        {
            prompt = ApplyChatTemplate(instance, chat, limits, templates, cancellationToken);
            text = prompt;
        }

        var ids = tokenizer.Encode(text!, request.AddSpecialTokens ?? request.Chat is null);
        if (ids.Length > limits.MaxInputTokens)
        {
            throw limits.TooManyTokens($"the {(request.Chat is null ? "text" : "rendered chat")} has {ids.Length}");
        }

        string[]? tokens = null;
        string[]? pieces = null;
        if (request.ReturnTokenStrings)
        {
            tokens = new string[ids.Length];
            pieces = new string[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                tokens[i] = tokenizer.TokenToString(ids[i]) ?? string.Empty;
                pieces[i] = Piece(tokenizer, ids, i);
            }
        }

        return new TokenizeResult(ids, tokens, pieces, prompt, MaxModelLength(instance));
    }

    /// <summary>
    /// The text token <paramref name="i"/> adds after the few tokens before it (special tokens kept): decoding in
    /// context keeps the space a SentencePiece token renders only after another token. A token that ends inside a
    /// character adds U+FFFD, and the one that completes it the character.
    /// </summary>
    private static string Piece(ITextTokenizer tokenizer, int[] ids, int i)
    {
        const int Context = 4;
        var start = Math.Max(0, i - Context);
        var before = tokenizer.Decode(ids.AsSpan(start, i - start), skipSpecialTokens: false);
        var with = tokenizer.Decode(ids.AsSpan(start, i - start + 1), skipSpecialTokens: false);
        var common = before.AsSpan().CommonPrefixLength(with);
        if (!before.AsSpan(common).Trim('\uFFFD').IsEmpty)
        {
            return tokenizer.Decode(ids.AsSpan(i, 1), skipSpecialTokens: false); // the context decodes differently: the token alone
        }

        return with[common..];
    }

    /// <summary>Decodes token ids to text with the model's tokenizer (<c>skip_special_tokens</c> as given).</summary>
    /// <exception cref="EngineException">The model has no tokenizer, there are more ids than allowed, or an id is outside the vocabulary (bad input naming it).</exception>
    public static string Detokenize(IModelInstance instance, IReadOnlyList<int> ids, bool skipSpecialTokens, RequestLimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(limits);
        if (ids.Count > limits.MaxInputTokens)
        {
            throw limits.TooManyTokens($"{ids.Count} ids to decode");
        }

        var tokenizer = TokenizerOf(instance);
        var size = VocabularySize(instance, tokenizer);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] < 0 || ids[i] >= size)
            {
                throw EngineException.BadInput($"Token id {ids[i]} (at {i}) is outside the vocabulary of {instance.Model.Id}: ids go from 0 to {size - 1}.");
            }
        }

        return tokenizer.Decode([.. ids], skipSpecialTokens);
    }

    /// <summary>Renders a conversation with the model's chat template, as generation does (tools, <c>enable_thinking</c>), with <c>add_generation_prompt</c> as asked.</summary>
    /// <exception cref="EngineException">The model has no chat template, the messages or tools are bad, or the template refused them or passed a limit.</exception>
    public static string ApplyChatTemplate(IModelInstance instance, ChatTemplateRequest request, RequestLimitsOptions limits, TemplateLimits templates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (instance is not IGenerativeInstance model)
        {
            throw EngineException.NotSupported($"{instance.Model.Id} runs '{instance.Model.Task}' and has no chat template; chat templates belong to text-generation and chat models.");
        }

        var messages = request.Messages;
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw EngineException.BadInput("`messages` must be a non-empty list of {\"role\": \"...\", \"content\": \"...\"}.");
        }

        if (messages.GetArrayLength() > limits.MaxItems)
        {
            throw limits.TooManyItems("messages", messages.GetArrayLength());
        }

        var read = messages.EnumerateArray().Select(ChatPromptMessage.FromJson).ToList();
        var tools = ChatToolsReader.ReadTools(request.Tools ?? default);
        return ChatPrompt.Render(model, read, request.EnableThinking, tools, request.AddGenerationPrompt, templates, cancellationToken);
    }

    /// <summary>The tokenizer the model runs with, or a not-supported error saying why there is none.</summary>
    private static ITextTokenizer TokenizerOf(IModelInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance switch
        {
            IGenerativeInstance generative => generative.Tokenizer,
            ISeq2SeqInstance seq2seq => seq2seq.Tokenizer,
            IEncoderInstance { Tokenizer.HuggingFace: { } hf } => hf,
            IEmbeddingInstance => FolderTokenizers.GetValue(instance, FromFolder),
            _ => throw NoTokenizer(instance),
        };
    }

    private static ITextTokenizer FromFolder(IModelInstance instance)
    {
        var folder = instance.Model.Path;
        return Directory.Exists(folder) && File.Exists(Path.Combine(folder, "tokenizer.json"))
            ? HfTokenizer.FromDirectory(folder)
            : throw NoTokenizer(instance);
    }

    private static EngineException NoTokenizer(IModelInstance instance) => EngineException.NotSupported(
        $"{instance.Model.Id} ({instance.Model.Task}) has no tokenizer these utilities can use: they need a text model with a tokenizer.json (or a GGUF model).");

    /// <summary>The ids the tokenizer can decode: its own vocabulary when known, else the model's logits.</summary>
    private static int VocabularySize(IModelInstance instance, ITextTokenizer tokenizer) => tokenizer switch
    {
        HfTokenizer hf => hf.VocabularySize,
        _ when instance is IGenerativeInstance generative => generative.VocabularySize,
        _ => int.MaxValue,
    };

    private static int? MaxModelLength(IModelInstance instance) => instance switch
    {
        IGenerativeInstance generative => generative.ContextLength,
        IEncoderInstance encoder => encoder.Config.MaxLength,
        IEmbeddingInstance embedding => embedding.MaxSequenceLength,
        _ => null,
    };
}
