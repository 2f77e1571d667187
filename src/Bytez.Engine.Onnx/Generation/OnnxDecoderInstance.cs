using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// A decoder-only language model on ONNX Runtime, loaded by <see cref="OnnxDecoderLoader"/>. One session is shared by
/// all sequences (ONNX Runtime runs concurrent calls on one session); each sequence owns its key/value cache. With
/// <see cref="OnnxDecoderOptions.ContinuousBatching"/>, the single-token steps that sequences submit at the same time run
/// as one batch (see <see cref="IsBatching"/>); prompts run alone. With <see cref="OnnxDecoderOptions.PrefixCache"/>, the
/// key/value caches of the sequences' tokens are kept (<see cref="PrefixCache"/>) and a prompt that starts with tokens
/// kept is fed only the rest. Thread-safe; a sequence itself is used by one caller at a time.
/// </summary>
public sealed class OnnxDecoderInstance : IGenerativeInstance, IBatchingInstance, IBeamSearchInstance, IPrefixCachingInstance
{
    private readonly InferenceSession _session;
    private int _disposed;

    internal OnnxDecoderInstance(
        ModelDescriptor model, string modelPath, InferenceSession session, DecoderSignature signature, DecoderModelConfig config,
        ITextTokenizer tokenizer, string? chatTemplate, GenerationDefaults defaults, OnnxDecoderOptions options)
    {
        Model = model;
        ModelPath = modelPath;
        _session = session;
        Signature = signature;
        Configuration = config;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        Defaults = defaults;
        VocabularySize = signature.VocabularySize;
        ContextLength = config.ContextLength ?? ReadModelMaxLength(model.Path) ?? 2048;
        MaxBatchSize = options.MaxBatchSize;
        Scheduler = options.ContinuousBatching && DecoderBatchScheduler.CanBatch(signature) ? new DecoderBatchScheduler(this, options) : null;
        PrefixCache = options.PrefixCache && signature.HasCache && options.PrefixCacheBytes > 0
            ? new PrefixCache(signature, options.PrefixCacheBytes, options.PrefixCacheMinTokens) : null;
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <summary>The ONNX file this instance runs.</summary>
    public string ModelPath { get; }

    /// <summary>The model's <c>config.json</c>.</summary>
    public DecoderModelConfig Configuration { get; }

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public string? ChatTemplate { get; }

    /// <inheritdoc />
    public GenerationDefaults Defaults { get; }

    /// <inheritdoc />
    public int ContextLength { get; }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <summary>
    /// Whether the graph takes a key/value cache (<c>past_key_values.*</c>). Without one each step recomputes the whole
    /// sequence (exports made without <c>-with-past</c>).
    /// </summary>
    public bool HasKeyValueCache => Signature.HasCache;

    /// <summary>Transformer layers whose keys and values are cached (0 without a cache).</summary>
    public int CacheLayerCount => Signature.LayerCount;

    /// <summary>Key/value heads of the cache.</summary>
    public int KeyValueHeads => Signature.KeyValueHeads;

    /// <summary>Width of one cached head.</summary>
    public int HeadDim => Signature.HeadDim;

    /// <summary>Whether the graph is an Optimum merged decoder (a <c>use_cache_branch</c> input).</summary>
    public bool IsMergedDecoder => Signature.HasUseCacheBranch;

    /// <summary>
    /// Whether concurrent single-token steps of this instance's sequences run in batches: continuous batching is on
    /// and the graph has a key/value cache, <c>attention_mask</c> and <c>position_ids</c>.
    /// </summary>
    public bool IsBatching => Scheduler is not null;

    /// <summary>The most sequences in one batched step (<see cref="OnnxDecoderOptions.MaxBatchSize"/>).</summary>
    public int MaxBatchSize { get; }

    /// <summary>
    /// Called after each session run of this instance's sequences with the number of sequences in it (1 for a prompt or
    /// a step run alone), for metrics. Called on the thread that ran it, before the results are handed out (the next
    /// batch waits for it): it should return quickly. Exceptions it throws are ignored.
    /// </summary>
    public Action<int>? BatchObserver { get; set; }

    /// <summary>
    /// Whether prompts start from cached key/value prefixes: <see cref="OnnxDecoderOptions.PrefixCache"/> is on, its
    /// budget is above zero and the graph has a key/value cache.
    /// </summary>
    public bool IsPrefixCaching => PrefixCache is not null;

    /// <inheritdoc />
    /// <remarks>The whole <see cref="OnnxDecoderOptions.PrefixCacheBytes"/> while prefix caching is on, else 0.</remarks>
    public long PrefixCacheBudgetBytes => PrefixCache?.BudgetBytes ?? 0;

    /// <inheritdoc />
    public string PrefixCacheRuntime => "onnx";

    /// <inheritdoc />
    public Action<int>? PrefixReuseObserver { get; set; }

    /// <summary>Bytes of key/value cache the prefix cache holds now (at most <see cref="PrefixCacheBudgetBytes"/>).</summary>
    public long PrefixCacheBytes => PrefixCache?.Bytes ?? 0;

    /// <summary>Prefixes the prefix cache holds now.</summary>
    public int PrefixCacheEntries => PrefixCache?.Count ?? 0;

    /// <summary>Prompts that started from a cached prefix since the load.</summary>
    public long PrefixCacheHits => PrefixCache?.Hits ?? 0;

    /// <summary>Prompt tokens not fed since the load because their cache was kept.</summary>
    public long PrefixCacheReusedTokens => PrefixCache?.ReusedTokens ?? 0;

    internal DecoderSignature Signature { get; }

    internal PrefixCache? PrefixCache { get; }

    internal DecoderBatchScheduler? Scheduler { get; }

    internal InferenceSession Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _session;
        }
    }

    /// <inheritdoc />
    public IDecoderSequence CreateSequence()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new OnnxDecoderSequence(this);
    }

    /// <inheritdoc />
    public ValueTask<IRowDecoding> StartRowsAsync(ReadOnlyMemory<int> prompt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (prompt.IsEmpty)
        {
            throw EngineException.BadInput("No tokens to feed.");
        }

        var rows = new OnnxDecoderRows(this);
        try
        {
            rows.Prefill(prompt.Span[..^1], cancellationToken);
            return ValueTask.FromResult<IRowDecoding>(rows);
        }
        catch
        {
            rows.Dispose();
            throw;
        }
    }

    internal void ReportRun(int sequences)
    {
        try
        {
            BatchObserver?.Invoke(sequences);
        }
#pragma warning disable CA1031 // A metrics callback must not fail a run.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    internal void ReportPrefixHit(int reused)
    {
        try
        {
            PrefixReuseObserver?.Invoke(reused);
        }
#pragma warning disable CA1031 // A metrics callback must not fail a run.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Scheduler?.Dispose();
            PrefixCache?.Dispose();
            _session.Dispose();
        }
    }

    private static int? ReadModelMaxLength(string folder)
    {
        var path = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.TryGetProperty("model_max_length", out var m) && m.TryGetInt64(out var max) && max is >= 2 and < 10_000_000
                ? (int)max : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
