using System.Diagnostics;
using System.Runtime.CompilerServices;
using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// Continuous batching of the single-token decoding steps of one <see cref="OnnxDecoderInstance"/>'s sequences. One
/// decoding run at a time: the step of the only open sequence, submitted while nothing runs, runs at once on the
/// caller's thread; other steps queue, and those submitted while a run is in progress form the next batch (up to <see cref="OnnxDecoderOptions.MaxBatchSize"/>),
/// run by the instance's pump thread, which keeps going while steps come. Between steps sequences join (their first step
/// after the prompt) and leave (disposed, or simply not stepping). The pump waits for the sequences of its previous run
/// for at most that run's duration (at least 1 ms, at most 20 ms; a disposed one is not waited for), so that streams stepping together stay in one batch; one that comes too late is
/// not waited for during its next few steps (a slow consumer does not hold the others back).
/// </summary>
/// <remarks>
/// A batched run pads each sequence's cache at the left to the longest one: past_key_values [B, kv_heads, P, head_dim]
/// with each row's own positions last, attention_mask [B, P + 1] zero over the padding, position_ids [B, 1] each row's
/// true position. Each row's present (padding included) stays shared by the sequences of the run as their cache, so
/// that when the same sequences step together again their caches are fed as they are; when the batch changes, the rows
/// are copied (padding dropped) into new tensors. Cancellation withdraws a queued step; a step already running
/// completes, its result is dropped and its sequence stays as it was before the call.
/// </remarks>
internal sealed class DecoderBatchScheduler : IDisposable
{
    private const int SkippedWaitsAfterLate = 4;
    private const int InlineStepsBetweenYields = 16;
    private static readonly TimeSpan MinimumRejoinWait = TimeSpan.FromMilliseconds(1);

    private readonly OnnxDecoderInstance _instance;
    private readonly DecoderSignature _sig;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly object _lock = new();
    private readonly List<Step> _queue = [];
    private readonly List<OnnxDecoderSequence> _expected = [];
    private readonly RunOptions _runOptions = new();
    private bool _running; // a decoding run is in progress or the pump has steps: new steps queue
    private bool _pumping; // the pump has work (it sleeps otherwise)
    private bool _disposed;
    private int _open; // sequences created and not disposed
    private Thread? _pump;
    private TimeSpan _lastRun;
    private int _inlineSteps;

    public DecoderBatchScheduler(OnnxDecoderInstance instance, OnnxDecoderOptions options)
    {
        _instance = instance;
        _sig = instance.Signature;
        _maxBatch = options.MaxBatchSize;
        _maxWait = options.MaxBatchWait;
    }

    /// <summary>Whether the decoder graph can be batched this way: a cache, an attention mask and position ids.</summary>
    public static bool CanBatch(DecoderSignature signature)
        => signature.HasCache && signature.AttentionMaskType is not null && signature.PositionIdsType is not null;

    /// <summary>Feeds one token to <paramref name="sequence"/> (which holds at least one), alone or in a batch.</summary>
    public ValueTask<ReadOnlyMemory<float>> StepAsync(OnnxDecoderSequence sequence, int token, CancellationToken cancellationToken)
    {
        Step? step = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(OnnxDecoderInstance));
            if (!_running && _open <= 1)
            {
                _running = true;
            }
            else
            {
                // Through the pump: this caller's thread is free while the step waits.
                step = new Step(this, sequence, token, cancellationToken);
                sequence.Queued = true;
                _queue.Add(step);
                if (_running)
                {
                    if (_queue.Count >= _maxBatch || !AnyExpectedMissing())
                    {
                        Monitor.PulseAll(_lock); // the pump may be gathering, and has what it waits for
                    }
                }
                else
                {
                    _running = true;
                    StartPumpOrStop();
                }
            }
        }

        if (step is null)
        {
            return RunHereAsync(sequence, token, cancellationToken);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Execute disposes the registration after completing the step; if that came first, dispose it here.
            step.Registration = cancellationToken.UnsafeRegister(static s => ((Step)s!).Withdraw(), step);
            if (step.Completion.Task.IsCompleted)
            {
                step.Registration.Dispose();
            }
        }

        return new ValueTask<ReadOnlyMemory<float>>(step.Completion.Task);
    }

    /// <summary>
    /// The step of the only open sequence while nothing runs: runs on the caller's side, with no hop to the pump; steps
    /// that come meanwhile wait for the pump. It yields first, so that a caller stepping alone does not keep its thread
    /// for a whole generation while other requests wait for one (they would never join).
    /// </summary>
    private async ValueTask<ReadOnlyMemory<float>> RunHereAsync(OnnxDecoderSequence sequence, int token, CancellationToken cancellationToken)
    {
        try
        {
            if (Interlocked.Increment(ref _inlineSteps) % InlineStepsBetweenYields == 0)
            {
                // Now and then give the thread back, so that a lone stream cannot hold it for a whole generation while
                // a request that would join it waits for a thread.
                await Task.Yield();
            }

            sequence.RunAlone([token], cancellationToken);
            return sequence.Logits;
        }
        finally
        {
            lock (_lock)
            {
                StartPumpOrStop();
            }
        }
    }

    /// <summary>A sequence is created.</summary>
    public void Open()
    {
        lock (_lock)
        {
            _open++;
        }
    }

    /// <summary>The sequence is disposed: not waited for any more.</summary>
    public void Leave(OnnxDecoderSequence sequence)
    {
        lock (_lock)
        {
            _open--;
            if (_expected.Remove(sequence))
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>With the lock held, after a run on a caller's thread: hands queued steps to the pump, or goes idle.</summary>
    private void StartPumpOrStop()
    {
        if (_queue.Count == 0)
        {
            _running = false;
            _expected.Clear();
            return;
        }

        _pumping = true;
        if (_pump is null)
        {
            _pump = new Thread(static s => ((DecoderBatchScheduler)s!).Pump())
            {
                IsBackground = true,
                Name = "Bytez ONNX decoder batches",
            };
            _pump.UnsafeStart(this);
        }
        else
        {
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Stops the pump; steps still queued fail.</summary>
    public void Dispose()
    {
        Step[] orphans;
        lock (_lock)
        {
            _disposed = true;
            orphans = [.. _queue];
            _queue.Clear();
            Monitor.PulseAll(_lock);
        }

        foreach (var step in orphans)
        {
            step.Completion.TrySetException(new ObjectDisposedException(nameof(OnnxDecoderInstance)));
            step.Registration.Dispose();
        }

        _runOptions.Dispose();
    }

    /// <summary>The pump's thread: runs batches while steps come, sleeps while the scheduler is idle.</summary>
    private void Pump()
    {
        while (true)
        {
            Step[] batch;
            Monitor.Enter(_lock);
            try
            {
                while (!_pumping && !_disposed)
                {
                    Monitor.Wait(_lock);
                }

                if (_disposed)
                {
                    return;
                }

                Gather();
                if (_queue.Count == 0)
                {
                    _pumping = false;
                    _running = false;
                    _expected.Clear();
                    continue;
                }

                var count = Math.Min(_queue.Count, _maxBatch);
                batch = new Step[count];
                for (var i = 0; i < count; i++)
                {
                    batch[i] = _queue[i];
                    batch[i].Running = true;
                    batch[i].Sequence.Queued = false;
                }

                _queue.RemoveRange(0, count);
                _expected.Clear();
            }
            finally
            {
                Monitor.Exit(_lock);
            }

            Execute(batch);
        }
    }

    /// <summary>
    /// With the lock held: waits (releasing it) until the batch is full, or the sequences of the previous run have all
    /// come back, left or run out of time (one run's duration), and <see cref="OnnxDecoderOptions.MaxBatchWait"/> has
    /// passed since the first queued step.
    /// </summary>
    private void Gather()
    {
        var start = Stopwatch.GetTimestamp();
        var rejoin = StepRejoin.Wait(MinimumRejoinWait, _lastRun);
        while (_queue.Count < _maxBatch)
        {
            var missing = AnyExpectedMissing();

            var wait = TimeSpan.Zero;
            if (missing)
            {
                wait = rejoin;
            }

            if (_queue.Count > 0 && _maxWait > wait)
            {
                wait = _maxWait;
            }

            var remaining = wait - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                if (missing)
                {
                    foreach (var sequence in _expected)
                    {
                        if (!sequence.Queued)
                        {
                            sequence.SkipWaits = SkippedWaitsAfterLate;
                        }
                    }
                }

                return;
            }

            // A submission or a leaving sequence pulses; timed waits have millisecond granularity (no spinning: the callers
            // that are awaited need the processor).
            Monitor.Wait(_lock, Math.Max(1, (int)Math.Ceiling(remaining.TotalMilliseconds)));
        }
    }

    /// <summary>With the lock held: whether a sequence of the previous run has not come back yet.</summary>
    private bool AnyExpectedMissing()
    {
        foreach (var sequence in _expected)
        {
            if (!sequence.Queued && !sequence.IsDisposed)
            {
                return true;
            }
        }

        return false;
    }

    private void Execute(Step[] batch)
    {
        var watch = Stopwatch.StartNew();
        Exception? failure = null;
        try
        {
            RunBatch(batch);
        }
#pragma warning disable CA1031 // Whatever fails, the callers get it and the pump goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e is EngineException or OperationCanceledException ? e
                : new EngineException(EngineErrorKind.Internal, $"The batched decoding step failed: {e.Message}", e);
        }

        _lastRun = watch.Elapsed;
        var outcomes = new bool[batch.Length]; // cancelled
        lock (_lock)
        {
            for (var b = 0; b < batch.Length; b++)
            {
                var step = batch[b];
                step.Running = false;
                outcomes[b] = step.Cancelled;
                if (!step.Cancelled && failure is null)
                {
                    if (step.Sequence.SkipWaits > 0)
                    {
                        step.Sequence.SkipWaits--;
                    }
                    else if (!step.Sequence.IsDisposed)
                    {
                        _expected.Add(step.Sequence);
                    }
                }
            }
        }

        for (var b = 0; b < batch.Length; b++)
        {
            var step = batch[b];
            if (outcomes[b])
            {
                step.Completion.TrySetCanceled(step.CancellationToken);
            }
            else if (failure is not null)
            {
                step.Completion.TrySetException(failure);
            }
            else
            {
                step.Completion.TrySetResult(step.Sequence.Logits);
            }

            step.Registration.Dispose();
        }
    }

    /// <summary>Runs the steps of several sequences as one batch, and hands each its row.</summary>
    private void RunBatch(Step[] batch)
    {
        // Rows in the order of the sequences' rows in their blocks: sequences that stepped together last time and
        // step together again find their caches in one block, in order, and are fed them as they are.
        Array.Sort(batch, static (a, b) =>
        {
            var x = a.Sequence.Block!;
            var y = b.Sequence.Block!;
            return x == y ? a.Sequence.Row.CompareTo(b.Sequence.Row) : RuntimeHelpers.GetHashCode(x).CompareTo(RuntimeHelpers.GetHashCode(y));
        });

        var rows = batch.Length;
        var shared = batch[0].Sequence.Block!;
        var asIs = shared.Rows == rows;
        for (var b = 0; asIs && b < rows; b++)
        {
            asIs = batch[b].Sequence.Block == shared && batch[b].Sequence.Row == b;
        }

        var lengths = new long[rows];
        var pads = new int[rows];
        var tokens = new long[rows];
        var columns = 0;
        for (var b = 0; b < rows; b++)
        {
            lengths[b] = batch[b].Sequence.Length;
            tokens[b] = batch[b].Token;
            columns = Math.Max(columns, batch[b].Sequence.Length);
        }

        if (asIs)
        {
            columns = shared.Columns;
        }

        for (var b = 0; b < rows; b++)
        {
            pads[b] = columns - (int)lengths[b];
        }

        var inputs = new OrtValue[_sig.InputNames.Length];
        var fixedInputs = 0;
        OrtValue[]? built = null;
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            var n = 0;
            inputs[n++] = DecoderTensors.Index(_sig.InputIdsType, [rows, 1], tokens, static (t, i) => t[i]);
            var total = columns + 1;
            inputs[n++] = DecoderTensors.Index(_sig.AttentionMaskType!.Value, [rows, total], (pads, total), static (s, i) => i % s.total < s.pads[i / s.total] ? 0 : 1);
            inputs[n++] = DecoderTensors.Index(_sig.PositionIdsType!.Value, [rows, 1], lengths, static (l, i) => l[i]);
            if (_sig.HasUseCacheBranch)
            {
                inputs[n++] = OrtValue.CreateTensorValueFromMemory(new[] { true }, [1]);
            }

            if (_sig.LogitsToKeepType is { } keepType)
            {
                inputs[n++] = DecoderTensors.Index(keepType, [], 0, static (_, _) => 1);
            }

            fixedInputs = n;
            if (asIs)
            {
                shared.Tensors.CopyTo(inputs, n);
            }
            else
            {
                built = new OrtValue[_sig.PastNames.Length];
                for (var i = 0; i < built.Length; i++)
                {
                    built[i] = OrtValue.CreateAllocatedTensorValue(
                        OrtAllocator.DefaultInstance, _sig.PastTypes[i], [rows, _sig.KeyValueHeads, columns, _sig.HeadDim]);
                    var size = DecoderTensors.ElementSize(_sig.PastTypes[i]);
                    for (var b = 0; b < rows; b++)
                    {
                        var sequence = batch[b].Sequence;
                        var block = sequence.Block!;
                        DecoderTensors.CopyRow(block.Tensors[i], sequence.Row, block.Columns, built[i], b, columns,
                            sequence.Length, _sig.KeyValueHeads, _sig.HeadDim, size);
                    }
                }

                built.CopyTo(inputs, n);
            }

            // A batch is not stopped for one caller's cancellation: that step's result is dropped instead.
            outputs = DecoderTensors.Run(_instance.Session, _sig, inputs, _runOptions, CancellationToken.None);
            _instance.ReportRun(rows);

            bool[] keep = new bool[rows];
            var kept = 0;
            lock (_lock)
            {
                for (var b = 0; b < rows; b++)
                {
                    batch[b].Running = false; // from here on a cancellation no longer counts
                    keep[b] = !batch[b].Cancelled;
                    kept += keep[b] ? 1 : 0;
                }
            }

            for (var b = 0; b < rows; b++)
            {
                if (keep[b])
                {
                    DecoderTensors.CopyLastLogits(outputs[0], _sig.LogitsType, b, rows, batch[b].Sequence.Logits);
                }
            }

            var presents = new OrtValue[_sig.PastNames.Length];
            for (var i = 0; i < presents.Length; i++)
            {
                presents[i] = outputs[i + 1];
            }

            outputs[0].Dispose();
            outputs = null;
            var next = new KeyValueBlock(presents, rows, total, kept);
            for (var b = 0; b < rows; b++)
            {
                if (keep[b])
                {
                    batch[b].Sequence.Advance(next, b, pads[b], 1);
                }
            }
        }
        finally
        {
            for (var i = 0; i < fixedInputs; i++)
            {
                inputs[i]?.Dispose();
            }

            if (built is not null)
            {
                foreach (var past in built)
                {
                    past?.Dispose();
                }
            }

            outputs?.Dispose();
        }
    }

    /// <summary>One submitted step.</summary>
    private sealed class Step(DecoderBatchScheduler scheduler, OnnxDecoderSequence sequence, int token, CancellationToken cancellationToken)
    {
        public OnnxDecoderSequence Sequence { get; } = sequence;

        public int Token { get; } = token;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<ReadOnlyMemory<float>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>Taken into a run (guarded by the scheduler's lock).</summary>
        public bool Running { get; set; }

        /// <summary>Cancelled while running: the result is dropped (guarded by the scheduler's lock).</summary>
        public bool Cancelled { get; set; }

        public void Withdraw()
        {
            var withdrawn = false;
            lock (scheduler._lock)
            {
                if (Running)
                {
                    Cancelled = true;
                }
                else if (scheduler._queue.Remove(this))
                {
                    Sequence.Queued = false;
                    withdrawn = true;
                    Monitor.PulseAll(scheduler._lock);
                }
            }

            if (withdrawn)
            {
                Completion.TrySetCanceled(CancellationToken);
            }
        }
    }
}
