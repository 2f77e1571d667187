using System.Diagnostics;
using System.Runtime.CompilerServices;
using Bytez.Engine.Generation;
using Bytez.Engine.Metering;
using Bytez.Engine.Metrics;
using Bytez.Engine.Scheduling;
using Bytez.Protocol;

namespace Bytez.Engine;

/// <summary>
/// The entry point of the engine: finds the model in the catalog, leases an instance of it from the scheduler
/// (loading one if needed), and runs the request through the pipeline of the model's task.
/// </summary>
public sealed class InferenceEngine
{
    /// <summary>The message for a model id that is not in the catalog (the hosted service's wording).</summary>
    public const string UnknownModelMessage = "Model does not exist or has yet to be added to the Bytez catalog";

    private readonly Dictionary<string, ITaskPipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly Templating.TemplateLimits _templates;
    private readonly IModelAccessPolicy? _access;

    /// <summary>
    /// Creates the engine over a catalog, the scheduler of instances and the task pipelines; <paramref name="limits"/>
    /// gives the deadline of a run (none when <see langword="null"/>); <paramref name="templates"/> bounds the chat
    /// templates the tokenizer utilities render (the defaults when <see langword="null"/>); <paramref name="access"/> decides
    /// which models the current caller may use (every model when <see langword="null"/>).
    /// </summary>
    public InferenceEngine(
        ModelCatalog catalog, ModelScheduler scheduler, IEnumerable<ITaskPipeline> pipelines, RequestLimitsOptions? limits = null, Templating.TemplateLimits? templates = null,
        IModelAccessPolicy? access = null)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        _access = access;
        Limits = limits ?? new RequestLimitsOptions { Deadline = TimeSpan.Zero };
        _templates = templates ?? new Templating.TemplateLimits();
        Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        foreach (var pipeline in pipelines)
        {
            foreach (var task in pipeline.Contract.Tasks)
            {
                _pipelines[task] = pipeline;
            }
        }
    }

    /// <summary>The per-request limits in force; the engine applies the deadline.</summary>
    public RequestLimitsOptions Limits { get; }

    /// <summary>The models this engine can serve.</summary>
    public ModelCatalog Catalog { get; }

    /// <summary>The instances: clusters, memory, queues.</summary>
    public ModelScheduler Scheduler { get; }

    /// <summary>Resident memory measured per model at load.</summary>
    public ModelMemoryRecords Memory => Scheduler.Memory;

    private EngineMetrics Metrics => Scheduler.Metrics;

    /// <summary>The tasks some pipeline serves, sorted.</summary>
    public IReadOnlyList<string> SupportedTasks => _pipelines.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The tasks whose output this server can stream, sorted.</summary>
    public IReadOnlyList<string> StreamingTasks =>
        _pipelines.Where(p => p.Value is IStreamingTaskPipeline).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The bytes an instance of the model takes: measured if an instance was loaded on this server, else estimated.
    /// </summary>
    public (long Bytes, bool Measured) RamRequired(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Memory.Get(model.Id) is { } measured ? (measured, true) : (model.EstimatedRamBytes, false);
    }

    /// <summary>
    /// The model with this id, once the access policy allows the caller to use it: the one lookup of a model by id that
    /// every run and model operation goes through.
    /// </summary>
    /// <exception cref="EngineException">The caller may not use the model (Forbidden), or no such model (NotFound).</exception>
    public ModelDescriptor FindModel(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        _access?.Demand(modelId);
        return Catalog.Find(modelId) ?? throw EngineException.NotFound($"{UnknownModelMessage}: {modelId}");
    }

    /// <summary>
    /// Runs a request on a model, loading an instance first if none is loaded. The deadline
    /// (<see cref="RequestLimitsOptions.Deadline"/>) counts from this call, so waiting for an instance counts too.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown, its task is not served, the input is bad, the server is at capacity, or the deadline passed (TimedOut).</exception>
    public ValueTask<TaskOutput> RunAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId, request);
        if (pipeline is IStreamingTaskPipeline)
        {
            UsageScope.ThrowIfGenerationRefused();
        }

        return RunLeasedAsync(model, (instance, token) => pipeline.RunAsync(instance, request, token), cancellationToken);
    }

    /// <summary>
    /// Embeds the texts of a request (<c>input</c> as a string or a list of strings, or token ids of the model's
    /// vocabulary: a list of integers or a list of lists) on an embedding model (feature-extraction or
    /// sentence-similarity) and counts the tokens it was fed, for routes that report usage. The vectors of texts are
    /// those <see cref="RunAsync"/> answers for the same request; see <see cref="Tasks.EmbeddingPipeline.EmbedAsync"/>.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or not an embedding model (BadInput naming its task), the input is bad, or as <see cref="RunAsync"/>.</exception>
    public ValueTask<EmbeddingResult> EmbedAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId);
        if (pipeline is not Tasks.EmbeddingPipeline embedding)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', not an embedding task; use a model of the task {BytezTasks.FeatureExtraction} or {BytezTasks.SentenceSimilarity}.");
        }

        return RunLeasedAsync(model, (instance, token) => embedding.EmbedAsync(instance, request, token), cancellationToken, static result => result.PromptTokens);
    }

    /// <summary>
    /// Ranks the documents of a text-ranking request (<c>input</c> <c>{"query", "documents"}</c>, <c>params</c>
    /// <c>top_k</c> and <c>return_documents</c>) on a cross-encoder, with each document's raw logit and the tokens fed,
    /// for routes of other APIs (Cohere's, Jina's and TEI's rerank). The ranking is the one <see cref="RunAsync"/>
    /// answers for the same request.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or not a text-ranking model (BadInput naming its task), the input is bad, or as <see cref="RunAsync"/>.</exception>
    public ValueTask<Tasks.PostProcessing.RankingResult> RankAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId);
        if (pipeline is not Tasks.TextRankingPipeline ranking)
        {
            throw EngineException.BadInput($"{model.Id} runs '{model.Task}', not text-ranking; use a cross-encoder reranker (a model of the task text-ranking).");
        }

        return RunLeasedAsync(model, (instance, token) => ranking.RankAsync(instance, request, token), cancellationToken, static result => result.PromptTokens);
    }

    /// <summary>
    /// Tokenizes a text, or a chat rendered with the model's chat template, with the tokenizer the model runs with
    /// (an instance is leased, loading the model if needed, as for a run).
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or has no tokenizer, the input is bad or too large, or the server is at capacity.</exception>
    public ValueTask<Tokenization.TokenizeResult> TokenizeAsync(string modelId, Tokenization.TokenizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WithInstanceAsync(FindModel(modelId), (instance, token) => Tokenization.ModelTokenizers.Tokenize(instance, request, Limits, _templates, token), cancellationToken);
    }

    /// <summary>Decodes token ids to text with the model's tokenizer.</summary>
    /// <exception cref="EngineException">The model is unknown or has no tokenizer, an id is outside its vocabulary, there are too many ids, or the server is at capacity.</exception>
    public ValueTask<string> DetokenizeAsync(string modelId, IReadOnlyList<int> ids, bool skipSpecialTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return WithInstanceAsync(FindModel(modelId), (instance, _) => Tokenization.ModelTokenizers.Detokenize(instance, ids, skipSpecialTokens, Limits), cancellationToken);
    }

    /// <summary>Renders a conversation with the model's chat template (the prompt generation would feed, when <c>add_generation_prompt</c> is on).</summary>
    /// <exception cref="EngineException">The model is unknown or has no chat template, the messages or tools are bad, the template refused them, or the server is at capacity.</exception>
    public ValueTask<string> ApplyChatTemplateAsync(string modelId, Tokenization.ChatTemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return WithInstanceAsync(FindModel(modelId), (instance, token) => Tokenization.ModelTokenizers.ApplyChatTemplate(instance, request, Limits, _templates, token), cancellationToken);
    }

    /// <summary>
    /// Leases an instance of the model (loading it if needed, within the deadline) for work that is not a run: no
    /// request is counted in the model's metrics.
    /// </summary>
    private async ValueTask<T> WithInstanceAsync<T>(ModelDescriptor model, Func<IModelInstance, CancellationToken, T> work, CancellationToken cancellationToken)
    {
        using var deadline = StartDeadline(cancellationToken);
        try
        {
            using var lease = await Scheduler.AcquireAsync(model, deadline.Token).ConfigureAwait(false);
            return work(lease.Instance, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw DeadlinePassed();
        }
    }

    /// <summary>
    /// Counts the tokens of the prompt a generation request would feed the model (a chat rendered with its template and
    /// tools, as <see cref="StartGenerationAsync"/> renders it), without generating: for routes that count tokens
    /// before sending (Anthropic's <c>count_tokens</c>). Loads an instance if none is loaded, for its tokenizer and template.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or does not generate text (BadInput), the input is bad, or as <see cref="RunAsync"/>.</exception>
    public ValueTask<int> CountPromptTokensAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId, request);
        if (pipeline is not Tasks.GenerationPipeline generation)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', which does not generate text token by token; use a model of a task such as {BytezTasks.Chat} or {BytezTasks.TextGeneration}.");
        }

        // Counting is not a run of the model: it is not metered as usage.
        return RunLeasedAsync(model, (instance, token) => ValueTask.FromResult(generation.CountPromptTokens(instance, request, token)), cancellationToken, metered: false);
    }

    /// <summary>
    /// Transcribes a request's sound on a speech recognition model as <see cref="RunAsync"/> does (the same output) and
    /// reports the sound's duration and, for Whisper, its segments with tokens, windows and no-speech probabilities,
    /// for routes that answer with them (OpenAI's <c>verbose_json</c>).
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or not a speech recognition model (BadInput naming its task), or as <see cref="RunAsync"/>.</exception>
    public ValueTask<SpeechTranscription> TranscribeAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId);
        if (pipeline is not Tasks.AutomaticSpeechRecognitionPipeline speech)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', not {BytezTasks.AutomaticSpeechRecognition}; use a speech-recognition model (Whisper or CTC).");
        }

        return RunLeasedAsync(model, (instance, token) => speech.TranscribeAsync(instance, request, token), cancellationToken);
    }

    /// <summary>
    /// The <c>model_type</c> of the model's <c>config.json</c> (<c>whisper</c>, <c>wav2vec2</c>, <c>vits</c>), or
    /// <see langword="null"/> when it has none or it cannot be read: routes of other APIs use it to pick the options of
    /// a model family (Whisper's language and task, a CTC model's word timestamps).
    /// </summary>
    public static string? ModelType(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = System.IO.Path.Combine(model.Path, Tensors.TensorModelConfig.ConfigFile);
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || file.Length > Tensors.TensorModelConfig.MaxFileBytes)
            {
                return null;
            }

            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("model_type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String
                ? type.GetString()
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Leases an instance of the model and runs <paramref name="run"/> on it within the deadline, recording the outcome
    /// and, unless <paramref name="metered"/> is false, the caller's usage (<see cref="UsageScope"/>): the run, the time
    /// from holding the instance to the end, and the input tokens <paramref name="inputTokens"/> reads from the output.
    /// </summary>
    private async ValueTask<T> RunLeasedAsync<T>(
        ModelDescriptor model, Func<IModelInstance, CancellationToken, ValueTask<T>> run, CancellationToken cancellationToken,
        Func<T, int>? inputTokens = null, bool metered = true)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        long leased = 0;
        long tokens = 0;
        using var deadline = StartDeadline(cancellationToken);
        try
        {
            using var lease = await Scheduler.AcquireAsync(model, deadline.Token).ConfigureAwait(false);
            leased = Stopwatch.GetTimestamp();
            var output = await run(lease.Instance, deadline.Token).ConfigureAwait(false);
            outcome = "ok";
            tokens = inputTokens?.Invoke(output) ?? 0;
            return output;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = "timeout";
            throw DeadlinePassed();
        }
        catch (Exception e)
        {
            outcome = Outcome(e, cancellationToken);
            throw;
        }
        finally
        {
            Metrics.RequestCompleted(model.Id, model.Task, outcome, Stopwatch.GetElapsedTime(started));
            if (metered)
            {
                Meter(model, outcome, leased, tokens);
            }
        }
    }

    /// <summary>
    /// Reports a run to the caller's <see cref="UsageScope"/>: one request and the time since <paramref name="leased"/>
    /// (when an instance was held; 0 when none was), unless the request was refused as bad input or unknown.
    /// </summary>
    private static void Meter(ModelDescriptor model, string outcome, long leased, long inputTokens)
    {
        if (leased != 0 && outcome is not ("bad_input" or "not_found"))
        {
            UsageScope.Report(new ModelUsage(model.Id, Requests: 1, InferenceTime: Stopwatch.GetElapsedTime(leased), InputTokens: inputTokens));
        }
    }

    /// <summary>
    /// Starts a streamed run: checks the request (throwing for bad input before anything is sent) and returns the
    /// output's text pieces as they are produced. The instance is held until the enumeration ends.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown, its task cannot stream, the input is bad, or the server is at capacity.</exception>
    public ValueTask<IAsyncEnumerable<string>> StartStreamAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId, request);
        if (pipeline is not IStreamingTaskPipeline streaming)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', whose output cannot be streamed; send \"stream\": false. Streaming is for: {string.Join(", ", StreamingTasks)}.");
        }

        UsageScope.ThrowIfGenerationRefused();

        return StartAsync(model, (instance, token) => streaming.StartStreamAsync(instance, request, token), cancellationToken);
    }

    /// <summary>
    /// Starts a generation (text-generation or chat) and returns its <see cref="GenerationUpdate"/>s as they are
    /// produced: text with token counts, finish reasons and log-probabilities, for routes that report them. Bad input
    /// throws here, before anything is sent; the instance is held until the enumeration ends. The text of the updates
    /// is what <see cref="RunAsync"/> and <see cref="StartStreamAsync"/> answer for the same request.
    /// </summary>
    /// <exception cref="EngineException">The model is unknown or does not generate text, the input is bad, or the server is at capacity.</exception>
    public ValueTask<IAsyncEnumerable<GenerationUpdate>> StartGenerationAsync(string modelId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, pipeline) = Resolve(modelId, request);
        if (pipeline is not IGenerationTaskPipeline generation)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', which does not generate text token by token; use a model of a task such as {BytezTasks.Chat} or {BytezTasks.TextGeneration}.");
        }

        UsageScope.ThrowIfGenerationRefused();
        return StartAsync(model, (instance, token) => generation.StartGenerationAsync(instance, request, token), cancellationToken);
    }

    /// <summary>Leases an instance, starts a streamed run on it, and holds the lease (and the deadline) until the stream ends.</summary>
    private async ValueTask<IAsyncEnumerable<T>> StartAsync<T>(
        ModelDescriptor model, Func<IModelInstance, CancellationToken, ValueTask<IAsyncEnumerable<T>>> start, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long leased = 0;
        InstanceLease? lease = null;
        CancellationTokenSource? deadline = StartDeadline(cancellationToken);
        try
        {
            lease = await Scheduler.AcquireAsync(model, deadline.Token).ConfigureAwait(false);
            leased = Stopwatch.GetTimestamp();
            var pieces = await start(lease.Instance, deadline.Token).ConfigureAwait(false);
            var held = (lease, deadline);
            lease = null;
            deadline = null;
            return Hold(model, pieces, held.lease, held.deadline, started, leased);
        }
        catch (OperationCanceledException) when (deadline!.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Metrics.RequestCompleted(model.Id, model.Task, "timeout", Stopwatch.GetElapsedTime(started));
            Meter(model, "timeout", leased, 0);
            throw DeadlinePassed();
        }
        catch (Exception e)
        {
            var outcome = Outcome(e, cancellationToken);
            Metrics.RequestCompleted(model.Id, model.Task, outcome, Stopwatch.GetElapsedTime(started));
            Meter(model, outcome, leased, 0);
            throw;
        }
        finally
        {
            lease?.Dispose();
            deadline?.Dispose();
        }
    }

    /// <summary>A token source cancelled by the caller's token or when the deadline passes.</summary>
    private CancellationTokenSource StartDeadline(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Limits.HasDeadline)
        {
            source.CancelAfter(Limits.Deadline);
        }

        return source;
    }

    private EngineException DeadlinePassed() => new(
        EngineErrorKind.TimedOut,
        $"The request did not finish within the server's deadline of {Limits.Deadline.TotalSeconds:0.###} s (Bytez:Requests:Deadline), time waiting for the model included, and was stopped. Send a smaller request (fewer texts, fewer new tokens) or try again when the server is less busy.");

    /// <summary>The contract of the pipeline serving <paramref name="task"/>, or <see langword="null"/> when no pipeline does.</summary>
    public TaskContract? FindContract(string task) => TryFindPipeline(task, out var pipeline) ? pipeline.Contract : null;

    /// <summary>The pipeline of a task, by its name or, for a Hugging Face variant such as <c>translation_en_to_de</c>, by its canonical name.</summary>
    private bool TryFindPipeline(string task, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ITaskPipeline? pipeline) =>
        _pipelines.TryGetValue(task, out pipeline) || _pipelines.TryGetValue(BytezTasks.Canonical(task), out pipeline);

    /// <summary>
    /// Loads a model that need not be in the catalog (a candidate being installed), runs its task's smoke request
    /// (<see cref="TaskContract.SmokeRequest"/>) on it, and returns the bytes its instance takes: measured at load. The
    /// instance stays loaded until idle, like any other.
    /// </summary>
    /// <exception cref="EngineException">The task is not served, the model cannot load, or the request fails.</exception>
    public async Task<long> TryOutAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!TryFindPipeline(model.Task, out var pipeline))
        {
            throw EngineException.NotSupported(
                $"Model {model.Id} has task '{model.Task}', which this server cannot run yet; it runs: {string.Join(", ", SupportedTasks)}.");
        }

        var request = pipeline.Contract.SmokeRequest(model.Task);
        using (var lease = await Scheduler.AcquireAsync(model, cancellationToken).ConfigureAwait(false))
        {
            await pipeline.RunAsync(lease.Instance, request, cancellationToken).ConfigureAwait(false);
        }

        return RamRequired(model).Bytes;
    }

    /// <summary>Every cluster, ordered by model id (<c>GET list/clusters</c>).</summary>
    public IReadOnlyList<ClusterInfo> ListClusters() => Scheduler.List();

    /// <summary>The model's cluster, or <see langword="null"/> when it has none.</summary>
    public ClusterInfo? FindCluster(string modelId) => Scheduler.Get(modelId);

    /// <summary>Creates the model's cluster and starts loading its desired instances (PUT).</summary>
    /// <exception cref="EngineException">The cluster exists and is not stopped (Conflict), or the settings are out of range.</exception>
    public ClusterInfo CreateCluster(ModelDescriptor model, ClusterRequest? request) => Scheduler.Create(model, request);

    /// <summary>Changes a cluster's settings, or turns it off or on (PATCH).</summary>
    /// <exception cref="EngineException">There is no cluster, or a setting is out of range.</exception>
    public ClusterInfo UpdateCluster(ModelDescriptor model, ClusterRequest request) => Scheduler.Update(model, request);

    /// <summary>Shuts a cluster down: unloads its instances (running requests finish first) and forgets it (DELETE).</summary>
    /// <exception cref="EngineException">There is no cluster.</exception>
    public void DeleteCluster(ModelDescriptor model) => Scheduler.Delete(model);

    /// <summary>The loading phase of the model's cluster, or <see langword="null"/> when it is not loading.</summary>
    public LoadPhase? ClusterLoadPhase(string modelId) => Scheduler.Phase(modelId);

    /// <summary>The most instances one model's cluster may have (<see cref="SchedulerOptions.MaxInstancesPerModel"/>).</summary>
    public int MaxInstancesPerModel => Scheduler.Options.MaxInstancesPerModel;

    /// <summary>An instance of the model, loading one if needed (for in-process callers such as benchmarks). It stays loaded until idle.</summary>
    public async ValueTask<IModelInstance> GetInstanceAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        using var lease = await Scheduler.AcquireAsync(model, cancellationToken).ConfigureAwait(false);
        return lease.Instance;
    }

    private async IAsyncEnumerable<T> Hold<T>(
        ModelDescriptor model, IAsyncEnumerable<T> pieces, InstanceLease lease, CancellationTokenSource deadline, long started, long leased,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var outcome = "error";
        try
        {
            var enumerator = pieces.GetAsyncEnumerator(cancellationToken);
            await using (enumerator.ConfigureAwait(false))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        outcome = "timeout";
                        throw DeadlinePassed();
                    }

                    if (!more)
                    {
                        break;
                    }

                    yield return enumerator.Current;
                }
            }

            outcome = "ok";
        }
        finally
        {
            lease.Dispose();
            deadline.Dispose();
            if (outcome == "error" && cancellationToken.IsCancellationRequested)
            {
                outcome = "cancelled";
            }

            Metrics.RequestCompleted(model.Id, model.Task, outcome, Stopwatch.GetElapsedTime(started));
            Meter(model, outcome, leased, 0);
        }
    }

    private static string Outcome(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => "cancelled",
        EngineException { Kind: EngineErrorKind.BadInput or EngineErrorKind.NotSupported or EngineErrorKind.TooLarge } => "bad_input",
        EngineException { Kind: EngineErrorKind.NotFound } => "not_found",
        EngineException { Kind: EngineErrorKind.Overloaded or EngineErrorKind.Unavailable } => "refused",
        _ => "error",
    };

    /// <summary>
    /// The model (its variant when the request's <c>params.dtype</c> names one: <see cref="ModelVariants"/>) and the
    /// pipeline of its task.
    /// </summary>
    private (ModelDescriptor Model, ITaskPipeline Pipeline) Resolve(string modelId, RunRequest? request = null)
    {
        var model = FindModel(modelId);
        if (ModelVariants.Requested(request?.Params) is { } variant)
        {
            model = ModelVariants.Select(model, variant);
        }

        if (!TryFindPipeline(model.Task, out var pipeline))
        {
            throw EngineException.NotSupported(
                $"Model {model.Id} has task '{model.Task}', which this server cannot run yet; it runs: {string.Join(", ", SupportedTasks)}.");
        }

        return (model, pipeline);
    }
}
