using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;
using RankedDocument = Bytez.Engine.Tasks.PostProcessing.RankedDocument;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>text-ranking</c> (cross-encoder rerankers) on a one-label <see cref="IEncoderInstance"/>, with the semantics of
/// sentence-transformers 5.1's <c>CrossEncoder.rank(query, documents, top_k, return_documents)</c>: each (query,
/// document) pair is encoded with <c>longest_first</c> truncation, all pairs run as one batch, each logit goes through
/// the model's activation (sigmoid unless its config names another), and the documents come back best first
/// (<see cref="TextRankingPostProcessor"/>). Input <c>{"query", "documents"}</c>; output
/// <c>[{"corpus_id", "score", "text"?}]</c>, the wire format of the SDK's <c>GetRanking()</c>.
/// </summary>
public sealed class TextRankingPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the documents and tokens of one request (defaults when null).</summary>
    public TextRankingPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = ["text-ranking"],
        InputKeys = ["input"],
        Parameters =
        [
            new("top_k", "integer >= 1 or null", "null: every document", "Return only the k best documents."),
            new("return_documents", "boolean", "false", "Add each document's text to its result."),
        ],
        Output = "[{\"corpus_id\", \"score\", \"text\"?}] best first; corpus_id indexes input.documents, text only with return_documents",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        SmokeRequest = static _ => new RunRequest
        {
            Input = JsonElement.Parse("""{"query": "capital of France", "documents": ["Paris is the capital of France.", "Berlin is in Germany."]}"""),
        },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken) =>
        new RankingOutput((await RankAsync(instance, request, cancellationToken).ConfigureAwait(false)).Ranked);

    /// <summary>
    /// Ranks the documents of a request as <see cref="RunAsync"/> does (the same results, bit for bit) and also gives
    /// each document's raw logit and the tokens the model was fed, for routes of other APIs (Cohere's, Jina's and TEI's
    /// rerank) that report raw scores or usage.
    /// </summary>
    /// <exception cref="EngineException">The model is not a one-label cross-encoder, or the input or parameters are bad.</exception>
    public async ValueTask<RankingResult> RankAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IEncoderInstance encoder)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder with a classification head.");
        }

        var task = instance.Model.Task;
        var tokenizer = encoder.Tokenizer.HuggingFace
            ?? throw EngineException.NotSupported($"{task} needs the model's tokenizer.json; {instance.Model.Id} has only vocab.txt.");
        TextRankingPostProcessor.RequireOneLabel(encoder.Config.LabelCount, instance.Model.Id);
        var activation = CrossEncoderActivations.Resolve(encoder.Config.ActivationFunction, encoder.Config.LabelCount);
        var parameters = ReadParameters(request.Params, task);
        var (query, documents) = ReadInput(request, task);
        if (documents.Count == 0)
        {
            return new RankingResult([], [], 0); // as CrossEncoder.rank: nothing to rank
        }

        var rows = new EncoderInput[documents.Count];
        long total = 0;
        var options = new EncodeOptions { MaxLength = encoder.Config.MaxLength, Truncation = TruncationStrategy.LongestFirst };
        for (var i = 0; i < documents.Count; i++)
        {
            var encoding = tokenizer.Encode(query, documents[i], options);
            total += encoding.Count;
            if (total > _limits.MaxInputTokens)
            {
                throw _limits.TooManyTokens($"reached at document {i} of {documents.Count}, each pair cut to {encoder.Config.MaxLength} tokens");
            }

            rows[i] = EncoderInput.From([.. encoding.Ids], [.. encoding.TypeIds]);
        }

        var results = await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var logits = new float[documents.Count];
        for (var i = 0; i < logits.Length; i++)
        {
            var row = results[i]["logits"].Data;
            logits[i] = row.Length == 1 ? row[0] : throw EngineException.NotSupported($"The model gave {row.Length} logits for a pair; a reranker gives one.");
        }

        var ranked = TextRankingPostProcessor.Rank(logits, activation, documents, parameters);
        if (ranked.Any(r => !double.IsFinite(r.Score)))
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
        }

        return new RankingResult(ranked, logits, (int)total);
    }

    private static TextRankingParameters ReadParameters(JsonElement? parameters, string task)
    {
        int? topK = null;
        bool? returnDocuments = null;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (property.Name == "top_k")
            {
                topK = value.ValueKind == JsonValueKind.Null ? null : Arguments.Int(value, "top_k", 1);
            }
            else
            {
                returnDocuments = Arguments.Bool(value, "return_documents");
            }
        }

        return TextRankingParameters.Create(topK, returnDocuments);
    }

    private (string Query, IReadOnlyList<string> Documents) ReadInput(RunRequest request, string task)
    {
        const string Expected = "{\"query\": \"...\", \"documents\": [\"...\", ...]}";
        if (request.Input is not { ValueKind: JsonValueKind.Object } input)
        {
            var got = request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } other
                ? Arguments.Describe(other)
                : request.Text is not null ? "`text`" : "nothing";
            throw EngineException.BadInput($"{task} expects `input` as {Expected}; got {got}.");
        }

        string? query = null;
        IReadOnlyList<string>? documents = null;
        foreach (var property in input.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "query":
                    query = value.ValueKind == JsonValueKind.String
                        ? value.GetString()
                        : throw EngineException.BadInput($"{task} expects `input.query` as a string; got {Arguments.Describe(value)}.");
                    break;
                case "documents":
                    documents = value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0
                        ? []
                        : Arguments.StringList(value, "input.documents", task, _limits);
                    break;
                default:
                    throw EngineException.BadInput($"{task} reads `query` and `documents` from `input`; got `{property.Name}`.");
            }
        }

        if (query is null || documents is null)
        {
            throw EngineException.BadInput($"{task} expects `input` as {Expected}; `{(query is null ? "query" : "documents")}` is missing.");
        }

        return (query, documents);
    }

    /// <summary>The ranking: <c>[{corpus_id, score, text?}]</c>.</summary>
    private sealed class RankingOutput(IReadOnlyList<RankedDocument> ranked) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartArray();
            foreach (var r in ranked)
            {
                writer.WriteStartObject();
                writer.WriteNumber("corpus_id", r.CorpusId);
                writer.WriteNumber("score", r.Score);
                if (r.Text is not null)
                {
                    writer.WriteString("text", r.Text);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}
