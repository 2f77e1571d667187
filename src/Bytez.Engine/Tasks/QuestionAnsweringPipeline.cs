using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>question-answering</c> (extractive) on an <see cref="IEncoderInstance"/>, with the semantics of transformers
/// 4.57's <c>QuestionAnsweringPipeline</c> (fast-tokenizer path): the question and the context are encoded as a pair
/// (<c>truncation="only_second"</c>, <c>max_length=max_seq_len</c>, <c>stride=doc_stride</c>, overflowing windows;
/// context first for tokenizers that pad on the left), every window goes to the encoder in one call (which batches it
/// with concurrent requests), and <see cref="QuestionAnsweringPostProcessor"/> scores and merges the spans.
/// </summary>
public sealed class QuestionAnsweringPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the tokens of one request (defaults when null).</summary>
    public QuestionAnsweringPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.QuestionAnswering],
        InputKeys = ["question", "context", "input"],
        Parameters =
        [
            new("top_k", "integer >= 1", "1", "How many answers; more than one answer is a list."),
            new("max_answer_len", "integer >= 1", "15", "The longest answer, in tokens."),
            new("handle_impossible_answer", "boolean", "false", "Let the empty answer (the context holds none) compete, scored by the CLS token."),
            new("align_to_words", "boolean", "true", "Grow each answer to whole words."),
            new("max_seq_len", "integer from 1 to the model's maximum length", "min(the model's maximum length, 384)", "Tokens per window, question and special tokens included."),
            new("doc_stride", "integer from 0 to max_seq_len", "min(max_seq_len / 2, 128)", "Tokens of context two consecutive windows share."),
            new("max_question_len", "integer >= 1", "64", "Accepted for compatibility; only Python's slow tokenizers use it."),
        ],
        Output = "{\"score\", \"start\", \"end\", \"answer\"}; a list of them when the answers are not exactly one (top_k > 1)",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        SmokeRequest = static _ => new RunRequest { Question = "Where does John live?", Context = "John lives in Paris." },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IEncoderInstance encoder)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder with a question-answering head.");
        }

        var task = instance.Model.Task;
        var tokenizer = encoder.Tokenizer.HuggingFace
            ?? throw EngineException.NotSupported($"{task} needs the model's tokenizer.json (pairs, offsets and word ids); the model {instance.Model.Id} has only vocab.txt.");
        var parameters = ReadParameters(request.Params, encoder.Config, task);
        var (question, context) = ReadInput(request, task);

        // As the pipeline: the question first unless the tokenizer pads on the left, then the context is first.
        var questionFirst = tokenizer.PaddingSide == PaddingSide.Right;
        var encoding = tokenizer.Encode(questionFirst ? question : context, questionFirst ? context : question, new EncodeOptions
        {
            MaxLength = parameters.MaxSeqLen,
            Stride = parameters.DocStride,
            Truncation = questionFirst ? TruncationStrategy.OnlySecond : TruncationStrategy.OnlyFirst,
        });
        List<TokenEncoding> windows = [encoding, .. encoding.Overflowing];
        var total = windows.Sum(w => (long)w.Count);
        if (total > _limits.MaxInputTokens)
        {
            throw _limits.TooManyTokens($"{windows.Count} windows of up to {parameters.MaxSeqLen} tokens");
        }

        var rows = windows.Select(w => EncoderInput.From([.. w.Ids], [.. w.TypeIds])).ToList();
        var results = await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var features = new List<QuestionAnsweringFeature>(windows.Count);
        for (var w = 0; w < windows.Count; w++)
        {
            features.Add(new QuestionAnsweringFeature(Tokens(windows[w]), results[w]["start_logits"].Data, results[w]["end_logits"].Data));
        }

        var answers = QuestionAnsweringPostProcessor.Run(context, features, tokenizer.ClsTokenId, parameters, questionFirst);

        // As the pipeline: exactly one answer is the object itself, any other number a list.
        return answers.Count == 1 ? new AnswerOutput(answers[0]) : new ListOutput([.. answers.Select(a => new AnswerOutput(a))]);
    }

    private static EncodedToken[] Tokens(TokenEncoding window)
    {
        var tokens = new EncodedToken[window.Count];
        for (var t = 0; t < tokens.Length; t++)
        {
            tokens[t] = new EncodedToken(
                window.Ids[t],
                window.Tokens[t],
                window.Offsets[t].Start,
                window.Offsets[t].End,
                window.SpecialTokensMask[t] == 1,
                window.WordIds[t],
                window.SequenceIds[t]);
        }

        return tokens;
    }

    private static QuestionAnsweringParameters ReadParameters(JsonElement? parameters, EncoderModelConfig config, string task)
    {
        int? topK = null, maxAnswerLen = null, maxSeqLen = null, docStride = null, maxQuestionLen = null;
        bool? impossible = null, align = null;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            var name = property.Name;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue; // null means the default, as None does in Python
            }

            switch (name)
            {
                case "top_k":
                    topK = Arguments.Int(value, name, 1);
                    break;
                case "max_answer_len":
                    maxAnswerLen = Arguments.Int(value, name, 1);
                    break;
                case "handle_impossible_answer":
                    impossible = Arguments.Bool(value, name);
                    break;
                case "align_to_words":
                    align = Arguments.Bool(value, name);
                    break;
                case "max_seq_len":
                    maxSeqLen = Arguments.Int(value, name, 1, config.MaxLength);
                    break;
                case "doc_stride":
                    docStride = Arguments.Int(value, name, 0);
                    break;
                default: // max_question_len
                    maxQuestionLen = Arguments.Int(value, name, 1);
                    break;
            }
        }

        return QuestionAnsweringParameters.Create(config.MaxLength, topK, maxAnswerLen, impossible, align, maxSeqLen, docStride, maxQuestionLen);
    }

    /// <summary>
    /// The question and context: top-level <c>question</c> and <c>context</c>, or <c>input</c> as an object holding
    /// them (what the official clients send). Both must be non-empty strings, as the pipeline demands.
    /// </summary>
    private static (string Question, string Context) ReadInput(RunRequest request, string task)
    {
        string? question = request.Question;
        string? context = request.Context;
        if (request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } input)
        {
            if (input.ValueKind != JsonValueKind.Object)
            {
                throw EngineException.BadInput($"{task} expects `input` as an object {{\"question\": string, \"context\": string}} (or `question` and `context` at the top level); got {Arguments.Describe(input)}.");
            }

            question ??= Field(input, "question", task);
            context ??= Field(input, "context", task);
        }

        if (question is null || context is null)
        {
            var missing = question is null && context is null ? "`question` and `context`" : question is null ? "`question`" : "`context`";
            throw EngineException.BadInput($"{task} expects `question` and `context` as strings (at the top level or in `input`); {missing} missing.");
        }

        if (question.Length == 0 || context.Length == 0)
        {
            throw EngineException.BadInput($"{task} expects a non-empty `{(question.Length == 0 ? "question" : "context")}`.");
        }

        return (question, context);
    }

    private static string? Field(JsonElement input, string name, string task)
    {
        if (!input.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw EngineException.BadInput($"{task} expects `input.{name}` as a string; got {Arguments.Describe(value)}.");
    }

    /// <summary>One answer: <c>{score, start, end, answer}</c>, Hugging Face's key order.</summary>
    private sealed class AnswerOutput(QuestionAnsweringAnswer answer) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            writer.WriteNumber("score", answer.Score);
            writer.WriteNumber("start", answer.Start);
            writer.WriteNumber("end", answer.End);
            writer.WriteString("answer", answer.Answer);
            writer.WriteEndObject();
        }
    }
}
