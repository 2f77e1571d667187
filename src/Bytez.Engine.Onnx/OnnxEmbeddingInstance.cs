using System.Threading.Channels;
using Bytez.Engine.Onnx.Batching;
using Bytez.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx;

/// <summary>
/// A sentence-transformers model on ONNX Runtime: several single-threaded sessions fed in parallel, texts sorted by
/// token count and cut into batches padded only to their own longest text, then pooled and normalized as the
/// model's <c>modules.json</c> prescribes. Thread-safe; concurrent calls share the sessions.
/// </summary>
/// <remarks>
/// <para>
/// With <see cref="OnnxRuntimeOptions.ShareWeights"/> (the default) and more than one session, the weights are read
/// once into memory all sessions use (<see cref="SharedInitializers"/>), and their pre-packed forms are shared too.
/// </para>
/// <para>
/// With <see cref="OnnxRuntimeOptions.DynamicBatching"/> (the default) the texts of concurrent calls are queued and
/// merged into shared batches of similar token counts, run by one thread per session; a call's prompt and
/// normalization act on its own rows, so calls with different options share batches safely.
/// </para>
/// </remarks>
public sealed class OnnxEmbeddingInstance : IEmbeddingInstance, IBatchingInstance
{
    private readonly SessionSlot[] _slots;
    private readonly Channel<SessionSlot> _free;
    private readonly OnnxSessionPool _pool;
    private readonly SentenceTransformerConfig _config;
    private readonly BertWordPieceTokenizer _tokenizer;
    private readonly int _maxBatch;
    private readonly int _hidden;
    private readonly DynamicBatcher<EmbeddingRow, float[]>? _batcher;
    private Action<int>? _batchObserver;
    private int _disposed;

    private OnnxEmbeddingInstance(
        ModelDescriptor model, SentenceTransformerConfig config, BertWordPieceTokenizer tokenizer, SessionSlot[] slots,
        OnnxSessionPool pool, int hidden, OnnxRuntimeOptions options)
    {
        var maxBatch = options.MaxBatchSize;
        Model = model;
        _config = config;
        _tokenizer = tokenizer;
        _slots = slots;
        _pool = pool;
        _hidden = hidden;
        _maxBatch = maxBatch;
        _free = Channel.CreateUnbounded<SessionSlot>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
        foreach (var slot in slots)
        {
            _free.Writer.TryWrite(slot);
        }

        Dimensions = hidden * config.Pooling.ModeCount;
        PromptNames = config.Prompts.Keys.ToArray();
        VocabularySize = config.VocabularySize ?? 0;
        if (options.DynamicBatching)
        {
            _batcher = new DynamicBatcher<EmbeddingRow, float[]>(
                slots.Length, maxBatch, options.MaxBatchWait,
                (worker, rows, cancellationToken) => _slots[worker].Run(rows, _config.Pooling, _hidden, cancellationToken),
                model.Id);
        }
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public int Dimensions { get; }

    /// <inheritdoc />
    public int MaxSequenceLength => _config.MaxSequenceLength;

    /// <inheritdoc />
    public IReadOnlyCollection<string> PromptNames { get; }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <inheritdoc />
    public bool NormalizesByDefault => _config.Normalize;

    /// <inheritdoc />
    public IReadOnlyList<int>? MatryoshkaDimensions => _config.MatryoshkaDimensions;

    /// <summary>The configuration read from the model folder.</summary>
    public SentenceTransformerConfig Configuration => _config;

    /// <summary>The tokenizer of the model.</summary>
    public BertWordPieceTokenizer Tokenizer => _tokenizer;

    /// <summary>How many sessions run batches in parallel.</summary>
    public int SessionCount => _slots.Length;

    /// <summary>
    /// Bytes of weights held once for all the sessions (<see cref="OnnxRuntimeOptions.ShareWeights"/>); 0 when the
    /// sessions hold their own (sharing off, or a single session).
    /// </summary>
    public long SharedWeightBytes => _pool.SharedWeightBytes;

    /// <summary>Whether concurrent calls share batches (<see cref="OnnxRuntimeOptions.DynamicBatching"/>).</summary>
    public bool DynamicBatching => _batcher is not null;

    /// <summary>
    /// Called with the number of texts of each batch just before it runs (for metrics), on the thread that runs it;
    /// it must be fast and must not throw (an exception fails that batch's calls). <see langword="null"/> by default.
    /// </summary>
    public Action<int>? BatchObserver
    {
        get => _batchObserver;
        set
        {
            _batchObserver = value;
            if (_batcher is not null)
            {
                _batcher.Observer = value;
            }
        }
    }

    /// <summary>Loads the model folder of <paramref name="model"/> into new sessions.</summary>
    /// <exception cref="EngineException">The folder is not a model this runtime can run.</exception>
    public static OnnxEmbeddingInstance Load(ModelDescriptor model, OnnxRuntimeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = SentenceTransformerConfig.Load(model.Path);
        var tokenizer = BertWordPieceTokenizer.FromDirectory(config.TokenizerFolder);
        var pool = OnnxSessionPool.Open(config.OnnxPath, options, options.EffectiveSessions, cancellationToken);
        try
        {
            var slots = pool.Sessions.Select(session => new SessionSlot(session)).ToArray();
            var first = slots[0];
            var hidden = first.Hidden > 0 ? first.Hidden : config.WordEmbeddingDimension
                ?? throw EngineException.NotSupported("The model's output width is dynamic and no pooling config states it.");
            return new OnnxEmbeddingInstance(model, config, tokenizer, slots, pool, hidden, options);
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (texts.Count == 0)
        {
            return [];
        }

        var prompt = ResolvePrompt(options);
        var skip = prompt.Length > 0 && !_config.Pooling.IncludePrompt
            ? Math.Min(_tokenizer.CountTokens(prompt) - 1, _config.MaxSequenceLength)
            : 0;

        var normalize = options.Normalize ?? _config.Normalize;
        var request = _batcher is null ? null : new BatchRequest<EmbeddingRow, float[]>(texts.Count);
        var items = new BatchItem<EmbeddingRow, float[]>[texts.Count];
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = texts[i] ?? throw EngineException.BadInput($"Text {i} is null.");
            var tokens = _tokenizer.Encode(prompt.Length > 0 ? prompt + text : text, _config.MaxSequenceLength);
            if (tokens.WasTruncated && !options.Truncate)
            {
                throw EngineException.BadInput(
                    $"Text {i} has {tokens.UntruncatedLength} tokens; this model takes at most {_config.MaxSequenceLength} " +
                    "(special tokens included). Shorten it, or set `truncate` to true to cut it.");
            }

            total += tokens.Ids.Length;
            if (total > options.MaxTotalTokens)
            {
                throw EngineException.TooLarge(
                    $"This request has more than {options.MaxTotalTokens} input tokens (reached at text {i} of {texts.Count}, each text cut to {_config.MaxSequenceLength} tokens); " +
                    "the server takes at most that many per request (Bytez:Requests:MaxInputTokens). Send fewer or shorter texts.");
            }

            items[i] = new BatchItem<EmbeddingRow, float[]>(new EmbeddingRow(tokens.Ids, skip, normalize), tokens.Ids.Length, i, request);
        }

        return await RunAsync(items, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<float[][]> EmbedTokensAsync(IReadOnlyList<int[]> tokens, EmbeddingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (tokens.Count == 0)
        {
            return [];
        }

        if (VocabularySize == 0)
        {
            throw EngineException.NotSupported($"The model {Model.Id} states no vocab_size in its config.json, so its token ids cannot be checked; send text.");
        }

        var normalize = options.Normalize ?? _config.Normalize;
        var request = _batcher is null ? null : new BatchRequest<EmbeddingRow, float[]>(tokens.Count);
        var items = new BatchItem<EmbeddingRow, float[]>[tokens.Count];
        long total = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var ids = tokens[i] ?? throw EngineException.BadInput($"Token list {i} is null.");
            if (ids.Length == 0 || ids.Length > _config.MaxSequenceLength)
            {
                throw EngineException.BadInput(
                    $"Token list {i} has {ids.Length} ids; this model takes from 1 to {_config.MaxSequenceLength} (special tokens included).");
            }

            foreach (var id in ids)
            {
                if (id < 0 || id >= VocabularySize)
                {
                    throw EngineException.BadInput(
                        $"Token list {i} holds the id {id}, which is not in this model's vocabulary of {VocabularySize} tokens (ids 0 to {VocabularySize - 1}).");
                }
            }

            total += ids.Length;
            if (total > options.MaxTotalTokens)
            {
                throw EngineException.TooLarge(
                    $"This request has more than {options.MaxTotalTokens} input tokens (reached at token list {i} of {tokens.Count}); " +
                    "the server takes at most that many per request (Bytez:Requests:MaxInputTokens). Send fewer or shorter lists.");
            }

            items[i] = new BatchItem<EmbeddingRow, float[]>(new EmbeddingRow(ids, 0, normalize), ids.Length, i, request);
        }

        return await RunAsync(items, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs prepared rows: through the dynamic batcher, or sorted by length and spread over the sessions.</summary>
    private async ValueTask<float[][]> RunAsync(
        BatchItem<EmbeddingRow, float[]>[] items, BatchRequest<EmbeddingRow, float[]>? request, CancellationToken cancellationToken)
    {
        if (_batcher is not null)
        {
            return await _batcher.RunAsync(request!, items, cancellationToken).ConfigureAwait(false);
        }

        // Sort by length so each batch pads only to its own longest text; results go back in input order.
        Array.Sort(items, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));

        // Spread small requests over the sessions too: a batch is at most MaxBatchSize, and at most n / sessions.
        var batchSize = Math.Clamp((items.Length + _slots.Length - 1) / _slots.Length, 1, _maxBatch);
        var batchCount = (items.Length + batchSize - 1) / batchSize;
        var job = new Job(items, batchSize);

        if (batchCount == 1)
        {
            await RunBatchAsync(job, 0, cancellationToken).ConfigureAwait(false);
            return Collect(items);
        }

        var workers = Math.Min(_slots.Length, batchCount);
        var tasks = new Task[workers];
        var next = -1;
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(
                async () =>
                {
                    int batch;
                    while ((batch = Interlocked.Increment(ref next)) < batchCount)
                    {
                        await RunBatchAsync(job, batch, cancellationToken).ConfigureAwait(false);
                    }
                },
                cancellationToken);
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (tasks.Any(t => t.IsFaulted))
        {
            // Prefer a real failure over the cancellations it may have caused elsewhere.
            var fault = tasks.First(t => t.IsFaulted).Exception!.InnerException!;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
        }

        return Collect(items);
    }

    /// <inheritdoc />
    public int CountTokens(IReadOnlyList<string> texts, EmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(options);
        var prompt = ResolvePrompt(options);
        var total = 0;
        foreach (var text in texts)
        {
            total += _tokenizer.Encode(prompt.Length > 0 ? prompt + text : text, _config.MaxSequenceLength).Ids.Length;
        }

        return total;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _batcher?.Dispose(); // stops its threads (terminating a running batch) before the sessions go
        _free.Writer.TryComplete();
        _pool.Dispose();
    }

    private string ResolvePrompt(EmbeddingOptions options)
    {
        if (options.Prompt is not null)
        {
            return options.Prompt; // as sentence-transformers: a literal prompt wins over a prompt name
        }

        if (options.PromptName is not null)
        {
            if (_config.Prompts.TryGetValue(options.PromptName, out var named))
            {
                return named;
            }

            throw EngineException.BadInput(_config.Prompts.Count == 0
                ? $"Prompt name '{options.PromptName}' is unknown: this model defines no prompts."
                : $"Prompt name '{options.PromptName}' is unknown; this model defines: {string.Join(", ", _config.Prompts.Keys.Order(StringComparer.Ordinal))}.");
        }

        return _config.DefaultPromptName is { } d ? _config.Prompts[d] : string.Empty;
    }

    private async ValueTask RunBatchAsync(Job job, int batch, CancellationToken cancellationToken)
    {
        SessionSlot slot;
        try
        {
            slot = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(OnnxEmbeddingInstance));
        }

        try
        {
            var start = batch * job.BatchSize;
            var count = Math.Min(job.BatchSize, job.Items.Length - start);
            _batchObserver?.Invoke(count);
            slot.Run(job.Items.AsSpan(start, count), _config.Pooling, _hidden, cancellationToken);
        }
        finally
        {
            _free.Writer.TryWrite(slot);
        }
    }

    private static float[][] Collect(BatchItem<EmbeddingRow, float[]>[] items)
    {
        var results = new float[items.Length][];
        foreach (var item in items)
        {
            results[item.Index] = item.Result!;
        }

        return results;
    }

    private sealed record Job(BatchItem<EmbeddingRow, float[]>[] Items, int BatchSize);

    /// <summary>One text's row: its token ids, the leading prompt tokens left out of pooling, whether to normalize.</summary>
    private sealed record EmbeddingRow(int[] Tokens, int SkipTokens, bool Normalize);

    /// <summary>One session with its own reusable input and output buffers.</summary>
    private sealed class SessionSlot
    {
        private readonly OnnxSession _session;
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private readonly OrtValue[] _inputs;
        private readonly OrtValue[] _outputs = new OrtValue[1];
        private readonly bool _hasTokenTypes;
        private long[] _ids = [];
        private long[] _mask = [];
        private long[] _types = [];
        private float[] _output = [];

        public SessionSlot(OnnxSession session)
        {
            _session = session;
            var inputs = session.Session.InputMetadata;
            if (!inputs.ContainsKey("input_ids") || !inputs.ContainsKey("attention_mask"))
            {
                throw EngineException.NotSupported(
                    $"The ONNX model's inputs are {string.Join(", ", inputs.Keys)}; an encoder needs input_ids and attention_mask.");
            }

            _hasTokenTypes = inputs.ContainsKey("token_type_ids");
            var unknown = inputs.Keys.Except(["input_ids", "attention_mask", "token_type_ids"]).ToList();
            if (unknown.Count > 0)
            {
                throw EngineException.NotSupported($"The ONNX model takes inputs this runtime does not feed: {string.Join(", ", unknown)}.");
            }

            _inputNames = _hasTokenTypes ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];
            _inputs = new OrtValue[_inputNames.Length];

            var outputs = session.Session.OutputMetadata;
            var name = new[] { "last_hidden_state", "token_embeddings" }.FirstOrDefault(outputs.ContainsKey)
                ?? outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 3).Key;
            if (name is null)
            {
                throw EngineException.NotSupported(
                    $"The ONNX model has no token-embedding output of shape [batch, sequence, hidden] (outputs: {string.Join(", ", outputs.Keys)}).");
            }

            _outputNames = [name];
            Hidden = outputs[name].Dimensions[2];
        }

        public int Hidden { get; }

        /// <summary>Runs the rows as one batch padded to the longest of them; sets each row's pooled vector.</summary>
        public void Run(ReadOnlySpan<BatchItem<EmbeddingRow, float[]>> rows, PoolingConfig pooling, int hidden, CancellationToken cancellationToken)
        {
            var count = rows.Length;
            var seq = 0;
            foreach (var row in rows)
            {
                seq = Math.Max(seq, row.Length);
            }

            var cells = count * seq;
            if (_ids.Length < cells)
            {
                _ids = new long[cells];
                _mask = new long[cells];
                _types = _hasTokenTypes ? new long[cells] : [];
            }

            var outCells = (long)cells * hidden;
            if (_output.Length < outCells)
            {
                _output = new float[outCells];
            }

            for (var r = 0; r < count; r++)
            {
                var ids = rows[r].Row.Tokens;
                var row = r * seq;
                for (var t = 0; t < ids.Length; t++)
                {
                    _ids[row + t] = ids[t];
                    _mask[row + t] = 1;
                }

                Array.Clear(_ids, row + ids.Length, seq - ids.Length); // [PAD] is 0 in BERT vocabularies
                Array.Clear(_mask, row + ids.Length, seq - ids.Length);
            }

            long[] shape = [count, seq];
            var memory = OrtMemoryInfo.DefaultInstance;
            try
            {
                _inputs[0] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<long>(_ids, 0, cells), shape);
                _inputs[1] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<long>(_mask, 0, cells), shape);
                if (_hasTokenTypes)
                {
                    _inputs[2] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<long>(_types, 0, cells), shape);
                }

                _outputs[0] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<float>(_output, 0, (int)outCells), [count, seq, hidden]);
                _session.Run(_inputNames, _inputs, _outputNames, _outputs, cancellationToken);
            }
            finally
            {
                for (var i = 0; i < _inputs.Length; i++)
                {
                    _inputs[i]?.Dispose();
                    _inputs[i] = null!;
                }

                _outputs[0]?.Dispose();
                _outputs[0] = null!;
            }

            for (var r = 0; r < count; r++)
            {
                var item = rows[r];
                var length = item.Length;
                var tokens = new ReadOnlySpan<float>(_output, r * seq * hidden, length * hidden);
                item.Result = Pooler.Pool(tokens, length, hidden, pooling, item.Row.SkipTokens, item.Row.Normalize);
            }
        }
    }
}
