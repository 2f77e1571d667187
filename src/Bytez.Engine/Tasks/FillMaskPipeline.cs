using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>fill-mask</c> on an <see cref="IEncoderInstance"/> with a masked-language-model head, with the semantics of
/// transformers 4.57's <c>FillMaskPipeline</c> (<see cref="FillMaskPostProcessor"/>): the text must hold the model's
/// own mask token (<c>[MASK]</c>, <c>&lt;mask&gt;</c>); each mask gets the <c>top_k</c> most probable tokens of the
/// whole vocabulary (or of <c>targets</c>, not renormalised) as <c>{score, token, token_str, sequence}</c>. One mask
/// answers a list, several masks a list per mask; a list of texts answers one such answer per text. Texts are not
/// cut (as the pipeline, which does not truncate): one longer than the model's maximum length is refused.
/// </summary>
public sealed class FillMaskPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the texts and tokens of one request (defaults when null).</summary>
    public FillMaskPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = ["fill-mask"],
        InputKeys = ["text", "input"],
        Parameters =
        [
            new("top_k", "integer >= 1", "5", "How many predictions per mask (at most the number of targets)."),
            new("targets", "string or list of strings", "the whole vocabulary", "Restrict the predictions to these tokens (looked up verbatim, else their first token); scores are not renormalised."),
        ],
        Output = "[{\"score\", \"token\", \"token_str\", \"sequence\"}] best first for one mask; one such list per mask for several; for a list of texts, one answer per text",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        // Both usual mask tokens: a model's tokenizer has one of them (the other is plain text to it).
        SmokeRequest = static _ => new RunRequest { Text = "Paris is the [MASK] <mask> of France." },
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
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder with a masked-language-model head.");
        }

        var task = instance.Model.Task;
        var tokenizer = encoder.Tokenizer.HuggingFace
            ?? throw EngineException.NotSupported($"{task} needs the model's tokenizer.json; {instance.Model.Id} has only vocab.txt.");
        if (tokenizer.MaskToken is not { } maskToken || tokenizer.MaskTokenId is not { } maskId)
        {
            throw EngineException.NotSupported($"The tokenizer of {instance.Model.Id} defines no mask_token; fill-mask needs one.");
        }

        var (topK, targets) = ReadParameters(request.Params, task);
        var (texts, single) = Arguments.Texts(request, task, _limits, $"a string holding the model's mask token {maskToken}, or a list of such strings");
        var encodings = new int[texts.Count][];
        var rows = new EncoderInput[texts.Count];
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var encoding = tokenizer.Encode(texts[i], null);
            total += encoding.Count;
            if (total > _limits.MaxInputTokens)
            {
                throw _limits.TooManyTokens($"reached at text {i} of {texts.Count}");
            }

            encodings[i] = [.. encoding.Ids];
            FillMaskPostProcessor.MaskPositions(encodings[i], maskId, maskToken); // no mask: a 400 before the model runs
            rows[i] = EncoderInput.From(encodings[i], [.. encoding.TypeIds]);
        }

        var results = await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var answers = new List<TaskOutput>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            var logits = results[i]["logits"];
            var vocabularySize = logits.Shape.Length == 2 ? logits.Shape[1] : 0;
            var parameters = FillMaskParameters.Create(
                vocabularySize,
                tokenizer.TokenToId,
                target => tokenizer.Encode(target, addSpecialTokens: false) is [var first, ..] ? first : null,
                topK,
                targets);
            var masks = FillMaskPostProcessor.Run(
                encodings[i], logits.Data, vocabularySize, maskId, maskToken, tokenizer.PadTokenId, parameters,
                (ids, skipSpecialTokens) => tokenizer.Decode([.. ids], skipSpecialTokens, null));
            answers.Add(masks.Count == 1 ? new CandidatesOutput(masks[0]) : new ListOutput([.. masks.Select(m => new CandidatesOutput(m))]));
        }

        return single ? answers[0] : new ListOutput(answers);
    }

    private static (int? TopK, IReadOnlyList<string>? Targets) ReadParameters(JsonElement? parameters, string task)
    {
        int? topK = null;
        IReadOnlyList<string>? targets = null;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (property.Name == "top_k")
            {
                topK = Arguments.Int(value, "top_k", 1);
            }
            else
            {
                targets = Arguments.StringOrList(value, "targets");
            }
        }

        return (topK, targets);
    }

    /// <summary>The candidates of one mask: <c>[{score, token, token_str, sequence}]</c>.</summary>
    private sealed class CandidatesOutput(IReadOnlyList<FillMaskCandidate> candidates) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartArray();
            foreach (var c in candidates)
            {
                writer.WriteStartObject();
                writer.WriteNumber("score", c.Score);
                writer.WriteNumber("token", c.Token);
                writer.WriteString("token_str", c.TokenStr);
                writer.WriteString("sequence", c.Sequence);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}
