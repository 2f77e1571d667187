using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Constraints;
using Bytez.Engine.Generation.Tools;
using Bytez.Engine.Metrics;
using Bytez.Engine.Templating;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// The <c>text-generation</c> and <c>chat</c> tasks on any <see cref="IGenerativeInstance"/>. The input's shape
/// decides the mode: messages (<c>messages</c>, or <c>input</c> as a list of <c>{role, content}</c>) are a chat,
/// rendered with the model's chat template, answered as <c>{"role": "assistant", "content"}</c>; a text
/// (<c>text</c>, or <c>input</c> as a string) is continued, answered as a string that starts with the prompt unless
/// <c>return_full_text</c> is false. Parameters are Hugging Face's generation parameters (<see cref="GenerationSettings"/>).
/// </summary>
public sealed class GenerationPipeline : IGenerationTaskPipeline
{
    private readonly EngineMetrics? _metrics;
    private readonly TemplateLimits _templateLimits;
    private readonly RequestLimitsOptions _limits;

    /// <summary>
    /// Creates the pipeline; <paramref name="metrics"/>, when given, records the tokens generated and their rate;
    /// <paramref name="templateLimits"/> bound the rendering of chat templates and <paramref name="limits"/> the messages
    /// and prompt tokens of one request (the defaults when null).
    /// </summary>
    public GenerationPipeline(EngineMetrics? metrics = null, TemplateLimits? templateLimits = null, RequestLimitsOptions? limits = null)
    {
        _metrics = metrics;
        _templateLimits = templateLimits ?? new TemplateLimits();
        _limits = limits ?? new RequestLimitsOptions();
    }

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.TextGeneration, BytezTasks.Chat],
        InputKeys = ["text", "input", "messages"],
        Parameters =
        [
            new("max_new_tokens", "integer >= 1", "the model's generation_config, else max_length", "The most tokens to generate."),
            new("max_length", "integer >= 1", "the model's generation_config, else 20", "The most tokens of prompt and answer together."),
            new("min_new_tokens", "integer >= 0", "0", "The fewest tokens generated before the end-of-sequence token may end the answer."),
            new("min_length", "integer >= 0", "0", "The fewest tokens of prompt and answer together before end-of-sequence."),
            new("do_sample", "boolean", "the model's generation_config, else false", "Sample instead of taking the most likely token."),
            new("temperature", "number > 0", "1.0", "Divides the logits before sampling."),
            new("top_k", "integer >= 0", "50", "Sample among the k most likely tokens (0: all)."),
            new("top_p", "number in (0, 1]", "1.0", "Sample among the most likely tokens whose probabilities add up to p."),
            new("typical_p", "number in (0, 1]", "1.0", "Locally typical sampling."),
            new("min_p", "number in [0, 1]", "0", "Drop tokens less likely than min_p times the most likely one."),
            new("repetition_penalty", "number > 0", "1.0", "Penalize tokens already in the sequence."),
            new("no_repeat_ngram_size", "integer >= 0", "0", "Never repeat an n-gram of this size."),
            new("seed", "integer", "random", "Seed of the sampler, for repeatable samples."),
            new("stop", "string or list of strings", "none", "Stop strings: the answer ends before the first one."),
            new("stop_strings", "string or list of strings", "none", "Same as stop (Hugging Face's name)."),
            new("return_full_text", "boolean", "true", "A continued text starts with the prompt."),
            new("num_return_sequences", "integer from 1 to 16", "1", "Answers to return (needs do_sample)."),
            new("eos_token_id", "integer or list of integers", "the model's", "Token ids that end the answer."),
            new("bad_words_ids", "list of lists of integers", "none", "Token sequences never generated."),
            new("max_time", "number of seconds in (0, 86400]", "none", "Stop generating after this long."),
            new("pad_token_id", "integer", "the model's", "Accepted and checked; padding is internal."),
            new("bos_token_id", "integer", "the model's", "Accepted and checked."),
            new("use_cache", "boolean", "true", "Accepted; the key-value cache is always used."),
            new("num_beams", "integer from 1 to 16", "1", "Beam search with this many beams (ONNX decoders; llama.cpp models take only 1)."),
            new("enable_thinking", "boolean", "the chat template's", "Passed to chat templates that read it."),
            new("length_penalty", "number", "1.0", "Beam search: a finished beam scores its log-probability over length ** length_penalty."),
            new("early_stopping", "true, false or \"never\"", "false", "Beam search: when to stop (Hugging Face's rules)."),
            new("forced_bos_token_id", "integer", "none", "The only token allowed first."),
            new("forced_eos_token_id", "integer or list of integers", "none", "The only tokens allowed at the last position max_length leaves."),
            new("suppress_tokens", "list of integers", "none", "Tokens never generated."),
            new("begin_suppress_tokens", "list of integers", "none", "Tokens not generated first."),
            new("decoder_start_token_id", "integer", "the model's", "Encoder-decoder models: the first decoder token."),
            new("logprobs", "boolean", "false", "Return each generated token's log-probability (the OpenAI-compatible routes report them; the Bytez routes return text only)."),
            new("top_logprobs", "integer from 0 to 20", "0", "With logprobs: the most likely tokens to list at each position."),
            new("tools", "list of {\"type\": \"function\", \"function\": {name, description, parameters}}", "none", "Tools the chat model may call, passed to its chat template."),
            new("tool_choice", "\"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\"}}", "auto", "Whether and which tool the model must call."),
            new("parallel_tool_calls", "boolean", "true", "Whether the model may call several tools in one answer."),
            new("response_format", "object", "text", "Structured output enforced while decoding: {\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"json_schema\": {\"name\", \"schema\"}}."),
            new("presence_penalty", "number from -2 to 2", "0", "OpenAI's presence penalty: subtracted from the logit of every token already generated (the prompt does not count)."),
            new("frequency_penalty", "number from -2 to 2", "0", "OpenAI's frequency penalty: subtracted from a token's logit once per time it was already generated."),
            new(ModelVariants.Parameter, "\"fp32\", \"fp16\", \"q8\", \"int8\", \"uint8\", \"q4\", \"q4f16\" or \"bnb4\"", "the catalog's file (full precision when present)",
                "ONNX models: which weight file of the folder runs the request (transformers.js dtype names: onnx/model.onnx, model_fp16.onnx, model_quantized.onnx, model_q4.onnx, ...); each variant is its own instance."),
        ],
        Output = "a string (a continued text) or {\"role\": \"assistant\", \"content\"} (a chat); a list of them for num_return_sequences > 1",
        RepositoryFiles = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"],
        SmokeRequest = static task =>
        {
            var oneToken = JsonSerializer.SerializeToElement(new ModelParameters { MaxNewTokens = 1 }, ProtocolJsonContext.Default.ModelParameters);
            return task == BytezTasks.Chat
                ? new RunRequest { Messages = [new ChatMessage("user", "Hello")], Params = oneToken }
                : new RunRequest { Text = "Hello", Params = oneToken };
        },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        // The answer is the fold of the stream of updates: one loop for both.
        var run = Prepare(instance, request, cancellationToken);
        var texts = new StringBuilder[run.Settings.NumReturnSequences];
        var reasoning = new StringBuilder?[run.Settings.NumReturnSequences];
        var calls = new List<ChatToolCall>?[run.Settings.NumReturnSequences];
        await foreach (var update in Generate(run, cancellationToken).ConfigureAwait(false))
        {
            (texts[update.Index] ??= new StringBuilder()).Append(update.Text);
            if (update.Reasoning is not null)
            {
                (reasoning[update.Index] ??= new StringBuilder()).Append(update.Reasoning);
            }

            if (update.ToolCalls is { Count: > 0 } made)
            {
                (calls[update.Index] ??= []).AddRange(made);
            }
        }

        var outputs = texts.Select((t, i) => (t, i)).Where(x => x.t is not null)
            .Select(x => run.Shape(x.t.ToString(), reasoning[x.i]?.ToString(), calls[x.i])).ToList();
        return outputs.Count == 1 ? outputs[0] : new ListOutput(outputs);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncEnumerable<string>> StartStreamAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        var run = Prepare(instance, request, cancellationToken);
        if (run.Settings.NumReturnSequences > 1)
        {
            throw EngineException.BadInput("`num_return_sequences` > 1 cannot be streamed; send \"stream\": false to get them all.");
        }

        return ValueTask.FromResult(Texts(Generate(run, cancellationToken), cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IAsyncEnumerable<GenerationUpdate>> StartGenerationAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        var run = Prepare(instance, request, cancellationToken);
        return ValueTask.FromResult(Generate(run, cancellationToken));
    }

    /// <summary>
    /// The tokens of the prompt a request would generate from: a chat's messages (and tools) rendered with the chat
    /// template and tokenized, or a text's tokens; checked as a run checks them, nothing generated.
    /// </summary>
    /// <exception cref="EngineException">The input is bad, as for a run.</exception>
    public int CountPromptTokens(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
        => Prepare(instance, request, cancellationToken).Prompt.Length;

    private static async IAsyncEnumerable<string> Texts(IAsyncEnumerable<GenerationUpdate> updates, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (update.Text.Length > 0)
            {
                yield return update.Text;
            }
        }
    }

    /// <summary>
    /// The one generation loop of the task: every requested sequence in turn (a continued text's first update echoes
    /// the prompt when <c>return_full_text</c> asks for it), or one beam search that gives them all.
    /// </summary>
    private async IAsyncEnumerable<GenerationUpdate> Generate(PreparedRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var promptTokens = run.Prompt.Length;
        var echo = run.EchoPrompt ?? string.Empty;
        if (run.Settings.NumBeams > 1)
        {
            // One beam search gives every returned sequence: its best finished beams.
            var started = Stopwatch.GetTimestamp();
            var beams = await TextGenerator.BeamSearchTextsAsync(run.Model, run.Prompt, run.Settings, cancellationToken).ConfigureAwait(false);
            _metrics?.Generated(run.Model.Model.Id, beams.Sum(b => b.GeneratedTokens), Stopwatch.GetElapsedTime(started));
            for (var i = 0; i < beams.Count; i++)
            {
                var parsed = run.NewParser() is { } beamParser ? AssistantOutput.Fold([.. beamParser.Feed(beams[i].Text), .. beamParser.Finish()]) : null;
                yield return new GenerationUpdate
                {
                    Index = i, Text = parsed?.Content ?? echo + beams[i].Text, Reasoning = parsed?.Reasoning, ToolCalls = parsed?.ToolCalls,
                    Finish = beams[i].Finish, PromptTokens = promptTokens, GeneratedTokens = beams[i].GeneratedTokens,
                };
            }

            yield break;
        }

        for (var i = 0; i < run.Settings.NumReturnSequences; i++)
        {
            if (echo.Length > 0)
            {
                yield return new GenerationUpdate { Index = i, Text = echo, PromptTokens = promptTokens };
            }

            var parser = run.NewParser();
            await foreach (var piece in TextGenerator.GenerateAsync(run.Model, run.Prompt, run.Settings, i, _metrics, cancellationToken).ConfigureAwait(false))
            {
                if (parser is null)
                {
                    yield return new GenerationUpdate
                    {
                        Index = i, Text = piece.Text, Finish = piece.Finish, PromptTokens = promptTokens, CachedPromptTokens = piece.CachedPromptTokens,
                        GeneratedTokens = piece.GeneratedTokens, Logprobs = piece.Logprobs,
                    };
                    continue;
                }

                // A parsed chat: the piece's answer text, thinking and completed calls; the last piece also resolves what was held back.
                var deltas = parser.Feed(piece.Text);
                if (piece.Finish is not null)
                {
                    deltas = [.. deltas, .. parser.Finish()];
                }

                var parts = AssistantOutput.Fold(deltas);
                yield return new GenerationUpdate
                {
                    Index = i, Text = parts.Content, Reasoning = parts.Reasoning, ToolCalls = parts.ToolCalls.Count > 0 ? parts.ToolCalls : null,
                    Finish = piece.Finish, PromptTokens = promptTokens, CachedPromptTokens = piece.CachedPromptTokens, GeneratedTokens = piece.GeneratedTokens,
                    Logprobs = piece.Logprobs,
                };
            }
        }
    }

    private PreparedRun Prepare(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IGenerativeInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} does not generate text.");
        }

        var settings = GenerationSettings.Parse(request.Params, model.Defaults, model.VocabularySize, beamSearch: model is IBeamSearchInstance);
        if (ReadMessages(request, _limits) is { } messages)
        {
            var tools = ChatToolsReader.ReadTools(settings.Tools ?? default);
            var choice = ChatToolsReader.ReadToolChoice(settings.ToolChoice ?? default, tools);
            var format = tools.Count > 0 ? ToolCallFormat.Detect(model.ChatTemplate) : null;
            if (tools.Count > 0 && format is null)
            {
                throw EngineException.NotSupported($"The chat template of {model.Model.Id} does not show how the model calls tools (Hermes, Llama 3, Mistral); send the request without `tools`.");
            }

            if (choice.Kind is ChatToolChoiceKind.Required or ChatToolChoiceKind.Function && format is not null)
            {
                settings = ForcedCall(settings, format, choice.Kind == ChatToolChoiceKind.Function ? [.. tools.Where(t => t.Name == choice.FunctionName)] : tools);
            }

            var rendered = ChatPrompt.Render(model, messages, settings.EnableThinking, tools, _templateLimits, cancellationToken);
            var ids = CheckTokens(model.Tokenizer.Encode(rendered, addSpecialTokens: false), "the chat prompt");
            var tags = ReasoningTags.Detect(model.ChatTemplate);
            var output = format is null && tags is null
                ? null
                : new OutputParsing(choice.Kind == ChatToolChoiceKind.None ? null : format, tags, tags?.OpensIn(rendered) == true, [.. tools.Select(t => t.Name)]);
            return new PreparedRun(model, ids, settings, EchoPrompt: null, Chat: true, PromptText: rendered) { Parsing = output };
        }

        if (settings.Tools is not null || settings.ToolChoice is not null)
        {
            throw EngineException.BadInput("`tools` and `tool_choice` need a chat (`messages`), not a text to continue.");
        }

        var text = ReadText(request, model.Model.Task);
        var promptIds = CheckTokens(model.Tokenizer.Encode(text, addSpecialTokens: true), "the prompt");
        var echo = settings.ReturnFullText != false ? text : null;
        return new PreparedRun(model, promptIds, settings, echo, Chat: false, PromptText: text);
    }

    /// <summary>
    /// <c>tool_choice</c> "required" or a named function: the answer is decoded under a grammar that admits only a call
    /// of one of <paramref name="tools"/> in the template's format, its arguments valid against the tool's parameters.
    /// </summary>
    private static GenerationSettings ForcedCall(GenerationSettings settings, ToolCallFormat format, IReadOnlyList<ChatTool> tools)
    {
        if (settings.OutputGrammar is not null)
        {
            throw EngineException.BadInput("`response_format` and a forced `tool_choice` (\"required\" or a named function) cannot be combined; the call's arguments follow the tool's parameters.");
        }

        using var anyObject = JsonDocument.Parse("{\"type\": \"object\"}");
        var calls = tools
            .Select(t => GrammarPattern.ToolCall(format.CallOpening(t.Name), t.Parameters ?? anyObject.RootElement, format.CallClosing))
            .ToArray();
        return settings with { OutputGrammar = CompiledGrammarCache.Shared.GetOrCompile(calls.Length == 1 ? calls[0] : GrammarPattern.AnyOf(calls)) };
    }

    private int[] CheckTokens(int[] ids, string what) =>
        ids.Length > _limits.MaxInputTokens ? throw _limits.TooManyTokens($"{what} has {ids.Length}") : ids;

    private static List<ChatPromptMessage>? ReadMessages(RunRequest request, RequestLimitsOptions limits)
    {
        if (request.Messages is { } typed)
        {
            if (typed.Count > limits.MaxItems)
            {
                throw limits.TooManyItems("messages", typed.Count);
            }

            return typed.Select((m, i) => ChatPromptMessage.From(m.Role, m.Content, i)).ToList();
        }

        if (request.Input is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0
            && array.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object))
        {
            if (array.GetArrayLength() > limits.MaxItems)
            {
                throw limits.TooManyItems("messages", array.GetArrayLength());
            }

            return [.. array.EnumerateArray().Select(ChatPromptMessage.FromJson)];
        }

        return null;
    }

    private static string ReadText(RunRequest request, string task)
    {
        if (request.Input is { } input && input.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            if (input.ValueKind == JsonValueKind.String)
            {
                return input.GetString()!;
            }

            if (input.ValueKind == JsonValueKind.Object && input.TryGetProperty("text", out var inner) && inner.ValueKind == JsonValueKind.String)
            {
                return inner.GetString()!;
            }

            throw EngineException.BadInput(
                $"{task} expects `input` as a string (a prompt to continue) or a list of messages {{\"role\", \"content\"}} (a chat); got {Describe(input)}.");
        }

        return request.Text
            ?? throw EngineException.BadInput(
                $"{task} expects `input` (or `text`) as a string to continue, or `messages` (or `input`) as a list of {{\"role\", \"content\"}} for a chat; got nothing.");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => value.GetArrayLength() == 0 ? "an empty list" : "a list that is not of messages",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => value.ValueKind.ToString(),
    };

    private sealed record PreparedRun(IGenerativeInstance Model, int[] Prompt, GenerationSettings Settings, string? EchoPrompt, bool Chat, string PromptText)
    {
        /// <summary>How a chat's output is split into answer, thinking and tool calls, or null when it is plain text.</summary>
        public OutputParsing? Parsing { get; init; }

        /// <summary>A parser for one sequence's output, or null when the output is plain text.</summary>
        public AssistantOutputParser? NewParser()
            => Parsing is { } p ? new AssistantOutputParser(p.Format, p.Reasoning, p.StartsInReasoning, p.ToolNames) : null;

        /// <summary>The task's answer for one sequence's whole text (the echoed prompt included), its thinking and tool calls.</summary>
        public TaskOutput Shape(string text, string? reasoning = null, IReadOnlyList<ChatToolCall>? toolCalls = null)
            => Chat ? new ChatOutput(text) { ReasoningContent = reasoning, ToolCalls = toolCalls ?? [] } : new TextOutput(text);
    }

    /// <summary>The tool-call format (null: calls are not read), thinking tags and offered tool names of a chat.</summary>
    private sealed record OutputParsing(ToolCallFormat? Format, ReasoningTags? Reasoning, bool StartsInReasoning, string[] ToolNames);
}
