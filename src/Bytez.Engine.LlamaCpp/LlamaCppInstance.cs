using System.Globalization;
using Bytez.Engine.Generation;
using Bytez.Engine.LlamaCpp.Gguf;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using Microsoft.Extensions.Logging;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// A GGUF model loaded in llama.cpp: the weights once, and shared llama.cpp contexts whose sequence ids the
/// <see cref="IDecoderSequence"/>s of this instance rent (<see cref="LlamaCppOptions.SequencesPerContext"/> per
/// context). Thread-safe: sequences may be created, fed and disposed from any thread. Concurrent feeds of sequences in
/// the same context are merged into one llama.cpp decode (continuous batching; see <see cref="LlamaCppOptions.ContinuousBatching"/>).
/// Finished sequences leave their cells as cached prompt prefixes that later sequences starting with the same tokens
/// reuse (see <see cref="LlamaCppOptions.PrefixCache"/>).
/// </summary>
public sealed partial class LlamaCppInstance : IGenerativeInstance, IBatchingInstance, IPrefixCachingInstance
{
    private readonly LLamaWeights _weights;
    private readonly LlamaCppOptions _options;
    private readonly Lock _poolLock = new();
    private readonly List<LlamaSharedContext> _contexts = [];
    private readonly LlamaCppTokenizer _tokenizer;
    private readonly ILogger _logger;
    private bool _disposed;

    private LlamaCppInstance(ModelDescriptor model, string path, GgufFile header, LLamaWeights weights, LlamaCppOptions options, ILogger logger)
    {
        Model = model;
        FilePath = path;
        Header = header;
        _weights = weights;
        _options = options;
        _logger = logger;
        string arch = header.Architecture ?? "llama";
        long trained = header.GetInteger(arch + ".context_length") ?? weights.ContextSize;
        if (trained <= 0)
        {
            trained = options.MaxContextLength;
        }

        ContextLength = (int)Math.Min(trained, options.MaxContextLength);
        VocabularySize = weights.Vocab.Count;
        _tokenizer = new LlamaCppTokenizer(
            weights, header.GetArray<string>("tokenizer.ggml.tokens"), header.GetBoolean("tokenizer.ggml.add_space_prefix") ?? true);
        ChatTemplate = header.GetString("tokenizer.chat_template");
        // Trimming a sequence's cells back to a prefix needs a plain attention cache: recurrent state (Mamba, hybrids)
        // cannot be cut at a position, and a sliding window keeps too few old cells to continue from an earlier one.
        PrefixCacheSupported = !weights.NativeHandle.IsRecurrent && weights.NativeHandle.SWACount == 0
            && !header.Metadata.Keys.Any(k => k.StartsWith(arch + ".ssm.", StringComparison.Ordinal));
        long? pad = header.GetInteger("tokenizer.ggml.padding_token_id");
        Defaults = new GenerationDefaults
        {
            BosTokenId = _tokenizer.BosTokenId,
            EosTokenIds = _tokenizer.EosTokenIds,
            PadTokenId = pad is >= 0 and <= int.MaxValue ? (int)pad : null,
        };
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <summary>The GGUF file the weights came from.</summary>
    public string FilePath { get; }

    /// <summary>The GGUF header: metadata and tensor descriptions.</summary>
    public GgufFile Header { get; }

    /// <inheritdoc />
    public ITextTokenizer Tokenizer => _tokenizer;

    /// <inheritdoc />
    public string? ChatTemplate { get; }

    /// <inheritdoc />
    public GenerationDefaults Defaults { get; }

    /// <inheritdoc />
    public int ContextLength { get; private set; }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <summary>
    /// Called after each llama.cpp decode with the number of sequences it carried (continuous batching merges the
    /// concurrent steps of the sequences that share a context), for metrics. Runs on the decoding thread: keep it cheap.
    /// </summary>
    public Action<int>? BatchObserver { get; set; }

    /// <inheritdoc />
    public Action<int>? PrefixReuseObserver { get; set; }

    /// <summary>
    /// Whether the model's cache can be cut back to a prefix (a transformer without a sliding window; not recurrent),
    /// so that <see cref="LlamaCppOptions.PrefixCache"/> applies to it.
    /// </summary>
    public bool PrefixCacheSupported { get; }

    /// <summary>Whether finished sequences are kept as cached prefixes now (the option, read at each use, and the model allows it).</summary>
    internal bool PrefixCacheEnabled => _options.PrefixCache && PrefixCacheSupported;

    /// <summary>Cached prefixes kept now, over all contexts.</summary>
    public int CachedPrefixCount
    {
        get
        {
            lock (_poolLock)
            {
                return _contexts.Sum(c => c.Slots.CachedCount);
            }
        }
    }

    /// <summary>Test hook: given the sequence ids of a decode, a result to report instead of decoding, or <see langword="null"/> to decode.</summary>
    internal Func<IReadOnlyList<int>, LLama.Native.DecodeResult?>? DecodeFault { get; set; }

    /// <summary>The llama.cpp contexts open now (each serving up to <see cref="LlamaCppOptions.SequencesPerContext"/> sequences).</summary>
    public int ContextCount
    {
        get
        {
            lock (_poolLock)
            {
                return _contexts.Count;
            }
        }
    }

    /// <inheritdoc />
    public IDecoderSequence CreateSequence()
    {
        lock (_poolLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (LlamaSharedContext context in _contexts)
            {
                if (context.Slots.TryReserve())
                {
                    return new LlamaDecoderSequence(this, context);
                }
            }

            LlamaSharedContext created = CreateContext();
            _contexts.Add(created);
            LogContextCreated(_logger, Model.Id, _contexts.Count);
            return created.Slots.TryReserve()
                ? new LlamaDecoderSequence(this, created)
                : throw new InvalidOperationException("A new llama.cpp context has no sequence id.");
        }
    }

    /// <summary>Frees the contexts and the weights. Sequences still open fail from then on.</summary>
    public void Dispose()
    {
        List<LlamaSharedContext> contexts;
        lock (_poolLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            contexts = [.. _contexts];
            _contexts.Clear();
        }

        foreach (LlamaSharedContext context in contexts)
        {
            context.Dispose();
        }

        _weights.Dispose();
    }

    /// <summary>
    /// Gives a sequence created in <paramref name="reserved"/> its sequence id at its first feed, <paramref name="prompt"/>:
    /// with the prefix cache on, the cached prefix (in any context with room) sharing the most tokens with the prompt,
    /// when at least <see cref="LlamaCppOptions.PrefixCacheMinTokens"/> and never the prompt's last token (its logits
    /// are needed). A prefix that holds more than is shared is copied to a clean id when there is one (it stays cached
    /// for others); else taken over. Without a hit, a clean id, or the least recently used cached prefix's.
    /// </summary>
    /// <returns>The context, the id, and how many of the prompt's tokens are already in the id's cells.</returns>
    internal (LlamaSharedContext Context, int Id, int Reused) Bind(LlamaSharedContext reserved, ReadOnlySpan<int> prompt)
    {
        int reused;
        lock (_poolLock)
        {
            ObjectDisposedException.ThrowIf(_disposed || reserved.IsDisposed, this);
            int min = Math.Max(1, _options.PrefixCacheMinTokens);
            if (PrefixCacheEnabled && prompt.Length - 1 >= min)
            {
                LlamaSharedContext? best = null;
                (int Id, int Shared, int CachedLength) match = (-1, 0, 0);
                foreach (LlamaSharedContext context in _contexts)
                {
                    if (!ReferenceEquals(context, reserved) && !context.Slots.HasRoom)
                    {
                        continue;
                    }

                    var candidate = context.Slots.BestMatch(prompt, prompt.Length - 1);
                    if (candidate.Shared > match.Shared || (candidate.Shared == match.Shared && ReferenceEquals(context, reserved)))
                    {
                        (best, match) = (context, candidate);
                    }
                }

                if (best is not null && match.Shared >= min)
                {
                    if (!ReferenceEquals(best, reserved))
                    {
                        reserved.Slots.Unreserve();
                        best.Slots.TryReserve();
                    }

                    if (match.Shared < match.CachedLength && best.Slots.TryTakeClean(out int clean))
                    {
                        best.QueueCopy(match.Id, clean);
                        best.Slots.Touch(match.Id);
                        reused = match.Shared;
                        LogPrefixCopied(_logger, Model.Id, reused, prompt.Length);
                        PrefixReuseObserver?.Invoke(reused);
                        return (best, clean, reused);
                    }

                    best.Slots.TakeCached(match.Id);
                    reused = match.Shared;
                    LogPrefixTaken(_logger, Model.Id, reused, prompt.Length);
                    PrefixReuseObserver?.Invoke(reused);
                    return (best, match.Id, reused);
                }
            }

            return (reserved, reserved.Slots.TakeAny(), 0);
        }
    }

    /// <summary>Gives back the place of a sequence that never took an id.</summary>
    internal void Unreserve(LlamaSharedContext context)
    {
        lock (_poolLock)
        {
            if (!context.IsDisposed)
            {
                context.Slots.Unreserve();
            }
        }
    }

    /// <summary>Frees a sequence's id: a cached prefix of <paramref name="tokens"/> (the id's cells kept), or clean when <see langword="null"/>.</summary>
    internal void Release(LlamaSharedContext context, int sequenceId, int[]? tokens)
    {
        lock (_poolLock)
        {
            if (!context.IsDisposed)
            {
                context.Slots.Return(sequenceId, tokens);
            }
        }
    }

    internal static LlamaCppInstance Load(ModelDescriptor model, string path, LlamaCppOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        GgufFile header;
        try
        {
            header = GgufFile.ReadHeader(path);
        }
        catch (InvalidDataException e)
        {
            throw new EngineException(EngineErrorKind.BadInput, e.Message, e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        LlamaNativeLog.Install(logger);
        long started = Environment.TickCount64;
        LLamaWeights weights;
        using (LlamaNativeLog.Capture capture = LlamaNativeLog.StartCapture())
        {
            try
            {
                weights = LLamaWeights.LoadFromFile(new ModelParams(path) { GpuLayerCount = 0 });
            }
            catch (LoadWeightsFailedException e)
            {
                throw new EngineException(
                    EngineErrorKind.NotSupported,
                    $"llama.cpp could not load '{path}' (architecture '{header.Architecture ?? "?"}'): {capture.Reason()}",
                    e);
            }
        }

        LlamaCppInstance? instance = null;
        try
        {
            instance = new LlamaCppInstance(model, path, header, weights, options, logger);
            cancellationToken.ThrowIfCancellationRequested();
            lock (instance._poolLock)
            {
                LlamaSharedContext first = instance.CreateContext();
                instance._contexts.Add(first);
                instance.ContextLength = Math.Min(instance.ContextLength, first.SequenceCapacity);
            }

            LogLoaded(logger, model.Id, path, Environment.TickCount64 - started, instance.ContextLength, instance.VocabularySize);
            return instance;
        }
        catch
        {
            if (instance is not null)
            {
                instance.Dispose();
            }
            else
            {
                weights.Dispose();
            }

            throw;
        }
    }

    private LlamaSharedContext CreateContext()
    {
        using LlamaNativeLog.Capture capture = LlamaNativeLog.StartCapture();
        try
        {
            return new LlamaSharedContext(this, _weights.NativeHandle, ContextLength, _options.SequencesPerContext, _options);
        }
        catch (RuntimeError e)
        {
            throw new EngineException(
                EngineErrorKind.Internal,
                string.Create(CultureInfo.InvariantCulture,
                    $"llama.cpp could not create a context of {ContextLength} tokens x {_options.SequencesPerContext} sequences for '{Model.Id}': {capture.Reason()}"),
                e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {ModelId} from {Path} in {Milliseconds} ms (context {ContextLength}, vocabulary {VocabularySize})")]
    private static partial void LogLoaded(ILogger logger, string modelId, string path, long milliseconds, int contextLength, int vocabularySize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ModelId}: prefix cache hit, {Reused} of {PromptTokens} prompt tokens reused (cached prefix taken over)")]
    private static partial void LogPrefixTaken(ILogger logger, string modelId, int reused, int promptTokens);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ModelId}: prefix cache hit, {Reused} of {PromptTokens} prompt tokens reused (cached prefix copied)")]
    private static partial void LogPrefixCopied(ILogger logger, string modelId, int reused, int promptTokens);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ModelId}: opened llama.cpp context #{Count}")]
    private static partial void LogContextCreated(ILogger logger, string modelId, int count);
}
