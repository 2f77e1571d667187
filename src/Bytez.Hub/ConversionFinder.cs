using Bytez.Hub.Planning;

namespace Bytez.Hub;

/// <summary>A plan and, when the files come from another repository than the one asked for, a sentence saying which and why.</summary>
/// <param name="Plan">What to download; <see cref="DownloadPlan.ModelId"/> is the repository the files come from.</param>
/// <param name="Note">
/// For a conversion: "Using Xenova/x, an ONNX conversion of org/x (...)"; <see langword="null"/> when the files come from
/// the repository asked for.
/// </param>
public sealed record ResolvedPlan(DownloadPlan Plan, string? Note);

/// <summary>
/// Serves a request for a repository that holds only weights this server cannot run (safetensors, PyTorch) through a
/// conversion published on the hub. Candidates come from two searches of the hub's model list: repositories tagged
/// with the requested id as their base model (<c>base_model:&lt;id&gt;</c>, except fine-tunes, adapters and merges,
/// which are other models), and repositories named as the converters name them (<c>Xenova/&lt;name&gt;</c>,
/// <c>onnx-community/&lt;name&gt;</c>, <c>onnx-community/&lt;name&gt;-ONNX</c>, <c>optimum/&lt;name&gt;</c>, and for text
/// generation <c>&lt;anyone&gt;/&lt;name&gt;-GGUF</c>). A candidate whose pipeline tag is another task is dropped. The rest
/// are tried most downloaded first (ties by id); the first whose files plan for the requested task, in the configured
/// ONNX variant or GGUF quantization and under the size caps, is chosen. Hub answers are untrusted: searches are
/// bounded (<see cref="HubModelQuery.MaxLimit"/> entries) and at most <see cref="MaxCandidatesTried"/> repositories are read.
/// </summary>
public static class ConversionFinder
{
    /// <summary>The most candidate repositories whose metadata is read for one request.</summary>
    public const int MaxCandidatesTried = 5;

    /// <summary>The organisations that publish ONNX conversions under the original name.</summary>
    private static readonly string[] OnnxOrganisations = ["Xenova", "onnx-community", "optimum"];

    /// <summary>
    /// The plan for a request: the repository's own files when it has runnable weights (or conversions are off), else
    /// the best conversion found.
    /// </summary>
    /// <exception cref="HubException">Unsupported (the message names what was looked for), too large, or the hub failed.</exception>
    public static async Task<ResolvedPlan> ResolveAsync(
        HubClient hub, HubRepository repository, HubOptions options, SupportedModels supported, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(supported);
        if (!options.FindConversions || !RepositoryPlanner.NeedsConversion(repository))
        {
            return new ResolvedPlan(RepositoryPlanner.Plan(repository, options, supported), null);
        }

        var task = RepositoryPlanner.TaskOf(repository, supported);
        var generation = IsGenerationTask(task);
        var name = repository.Id[(repository.Id.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var lookedFor = LookedFor(repository.Id, name, generation);

        IReadOnlyList<HubModelSummary> tagged, named;
        try
        {
            tagged = await hub.SearchModelsAsync(new HubModelQuery { Filter = "base_model:" + repository.Id, Limit = HubModelQuery.MaxLimit }, retries, cancellationToken)
                .ConfigureAwait(false);
            named = await hub.SearchModelsAsync(new HubModelQuery { Search = name, Limit = HubModelQuery.MaxLimit }, retries, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HubException e)
        {
            throw new HubException(
                e.Kind,
                $"The repository {repository.Id} has only {RepositoryPlanner.DescribeWeights(repository)} weights, which this server does not run, "
                + $"and the hub's model search failed while looking for a conversion ({lookedFor}): {e.Message}",
                e);
        }

        var candidates = Candidates(repository.Id, name, task, generation, tagged, named);
        var refusals = new List<string>();
        foreach (var candidate in candidates.Take(MaxCandidatesTried))
        {
            HubRepository converted;
            DownloadPlan plan;
            try
            {
                converted = await hub.GetRepositoryAsync(candidate.Id, options.DefaultRevision, retries, cancellationToken).ConfigureAwait(false);
                plan = RepositoryPlanner.Plan(converted, options, supported, task);
            }
            catch (HubException e) when (e.Kind is not HubErrorKind.Unavailable)
            {
                refusals.Add($"{candidate.Id}: {e.Message}");
                continue;
            }

            var kind = plan.Format == ModelFormats.Gguf ? "a GGUF" : "an ONNX";
            var why = candidates.Count == 1
                ? "the only conversion found"
                : $"of the {candidates.Count} conversions found, the most downloaded that this server can run";
            return new ResolvedPlan(
                plan,
                $"Using {converted.Id}, {kind} conversion of {repository.Id} (which has only {RepositoryPlanner.DescribeWeights(repository)} weights): {why}.");
        }

        var tried = refusals.Count == 0
            ? "none was found"
            : $"none of those found can be served ({string.Join("; ", refusals)})";
        throw new HubException(
            HubErrorKind.Unsupported,
            $"The repository {repository.Id} has only {RepositoryPlanner.DescribeWeights(repository)} weights, which this server does not run "
            + $"(it runs ONNX{(generation ? " and GGUF" : string.Empty)}). It looked for a conversion for {task} ({lookedFor}): {tried}. "
            + (refusals.Count == 0 ? "A converted repository can be requested by its own id." : "A converted repository can be requested by its own id; Bytez:Hub:OnnxVariant chooses the ONNX variant looked for."));
    }

    /// <summary>
    /// The candidates, best first: from both searches, deduplicated, conversions of the requested id only (by tag or by
    /// the converters' names), of the same task, most downloaded first, ties by id.
    /// </summary>
    internal static IReadOnlyList<HubModelSummary> Candidates(
        string modelId, string name, string task, bool generation, IEnumerable<HubModelSummary> tagged, IEnumerable<HubModelSummary> named)
    {
        var byId = new Dictionary<string, HubModelSummary>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in tagged.Where(m => IsTaggedConversion(m, modelId)).Concat(named.Where(m => IsNamedConversion(m.Id, name, generation))))
        {
            if (!string.Equals(model.Id, modelId, StringComparison.OrdinalIgnoreCase) && IsSameTask(model.PipelineTag, task))
            {
                byId.TryAdd(model.Id, model);
            }
        }

        return byId.Values
            .OrderByDescending(m => m.Downloads)
            .ThenBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Whether the hub tags the repository as derived from <paramref name="modelId"/> by conversion or quantization:
    /// <c>base_model:quantized:&lt;id&gt;</c>, or <c>base_model:&lt;id&gt;</c> without a fine-tune, adapter or merge relation.
    /// </summary>
    internal static bool IsTaggedConversion(HubModelSummary model, string modelId)
    {
        bool Has(string tag) => model.Tags.Any(t => string.Equals(t, tag, StringComparison.OrdinalIgnoreCase));
        if (Has("base_model:quantized:" + modelId))
        {
            return true;
        }

        return Has("base_model:" + modelId)
            && !Has("base_model:finetune:" + modelId)
            && !Has("base_model:adapter:" + modelId)
            && !Has("base_model:merge:" + modelId);
    }

    /// <summary>Whether a repository id is one the converters give a conversion of <paramref name="name"/>.</summary>
    internal static bool IsNamedConversion(string id, string name, bool generation)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        var organisation = id[..slash];
        var repository = id[(slash + 1)..];
        if (OnnxOrganisations.Contains(organisation, StringComparer.OrdinalIgnoreCase)
            && (repository.Equals(name, StringComparison.OrdinalIgnoreCase) || repository.Equals(name + "-ONNX", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return generation && repository.Equals(name + "-GGUF", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether a candidate's pipeline tag serves the requested task: equal, absent, or both of the embedding tags
    /// (sentence-transformers repositories say <c>sentence-similarity</c>, their ONNX conversions <c>feature-extraction</c>).
    /// </summary>
    internal static bool IsSameTask(string? candidateTag, string task)
    {
        if (string.IsNullOrWhiteSpace(candidateTag) || candidateTag == task)
        {
            return true;
        }

        static bool Embedding(string t) => t is "feature-extraction" or "sentence-similarity";
        return Embedding(candidateTag) && Embedding(task);
    }

    private static bool IsGenerationTask(string task) => task is "text-generation" or "chat";

    private static string LookedFor(string modelId, string name, bool generation)
    {
        var names = OnnxOrganisations.Select(o => $"{o}/{name}").Append($"onnx-community/{name}-ONNX");
        if (generation)
        {
            names = names.Append($"*/{name}-GGUF");
        }

        return $"repositories tagged base_model:{modelId}, and {PlanText.List(names)}";
    }
}
