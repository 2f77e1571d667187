using System.Collections.Concurrent;
using Bytez.Engine.Onnx.Batching;

namespace Bytez.Engine.Tests.Batching;

/// <summary>
/// The batcher's choice of batches, with a recording run function in place of a session (the unit's collaborator): the
/// first call holds the only worker until the queue is filled, so every later batch is formed from a known queue.
/// </summary>
public sealed class DynamicBatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MixedLengthQueue_BatchesStayWithinThePaddingBound()
    {
        // 4 groups of 8 one-text calls, arriving shuffled: by design 4 batches of 8, none padded past the bound.
        var lengths = new[] { 10, 11, 17, 18, 30, 32, 50, 53 }.SelectMany(l => new[] { l, l, l, l }).ToArray();
        new Random(7).Shuffle(lengths);
        using var recorder = new Recorder(workers: 1, maxBatch: 8);
        await recorder.HoldAsync();

        var calls = lengths.Select((l, i) => recorder.Call(($"t{i}", l))).ToArray();
        recorder.Release();
        await Task.WhenAll(calls);

        var batches = recorder.Batches.Skip(1).ToList();
        Assert.Equal(32, batches.Sum(b => b.Length));
        foreach (var batch in batches)
        {
            var padded = batch.Length * batch.Max(r => r.Length);
            Assert.True(padded <= DynamicBatcher<string, string>.PaddingLimit * batch.Sum(r => r.Length),
                $"batch [{string.Join(", ", batch.Select(r => r.Length))}] pads {padded} cells for {batch.Sum(r => r.Length)} tokens");
        }

        Assert.Equal(4, batches.Count);
    }

    [Fact]
    public async Task LongTextAmongAStreamOfShortOnes_RunsWithinTheSkipBound()
    {
        // Four short texts always make a fuller batch than the long one, and more keep coming while each batch runs:
        // only the bound on skips gets the long text run.
        using var recorder = new Recorder(workers: 1, maxBatch: 4);
        var more = new ConcurrentBag<Task<string[]>>();
        recorder.OnBatch = batch =>
        {
            if (recorder.Batches.Count < 12 && batch.All(r => r.Length != 100))
            {
                for (var i = 0; i < 4; i++)
                {
                    more.Add(recorder.Call(($"s{recorder.Batches.Count}-{i}", 10)));
                }
            }
        };
        await recorder.HoldAsync();

        var longCall = recorder.Call(("long", 100));
        var shorts = Enumerable.Range(0, 4).Select(i => recorder.Call(($"s{i}", 10))).ToArray();
        recorder.Release();
        Assert.Equal(["long"], await longCall);
        await Task.WhenAll(shorts);

        var at = recorder.Batches.FindIndex(b => b.Any(r => r.Row == "long"));
        Assert.InRange(at, 1, DynamicBatcher<string, string>.MaxSkips + 1);
        await Task.WhenAll(more);
    }

    [Fact]
    public async Task CallOfMixedLengthsAmongOthers_ResultsInInputOrder()
    {
        using var recorder = new Recorder(workers: 2, maxBatch: 3);
        int[] lengths = [40, 3, 25, 3, 40, 12, 25, 12, 3, 40];
        var big = recorder.Call(lengths.Select((l, i) => ($"r{i}", l)).ToArray());
        var singles = Enumerable.Range(0, 6).Select(i => recorder.Call(($"one{i}", 3 + (i * 7)))).ToArray();

        Assert.Equal(lengths.Select((_, i) => $"r{i}"), await big);
        for (var i = 0; i < singles.Length; i++)
        {
            Assert.Equal([$"one{i}"], await singles[i]);
        }

        Assert.All(recorder.Batches, b => Assert.InRange(b.Length, 1, 3));
    }

    /// <summary>A batcher whose run function records each batch (rows and lengths) and answers each row with its own name.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly DynamicBatcher<string, string> _batcher;
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new();

        public Recorder(int workers, int maxBatch)
        {
            _batcher = new DynamicBatcher<string, string>(workers, maxBatch, TimeSpan.Zero, Run, "test");
        }

        /// <summary>The batches in the order they ran.</summary>
        public List<(string Row, int Length)[]> Batches { get; } = [];

        /// <summary>Called on the worker with each batch before it completes.</summary>
        public Action<(string Row, int Length)[]>? OnBatch { get; set; }

        /// <summary>Runs a one-text call that holds the worker until <see cref="Release"/>; returns once it holds it.</summary>
        public Task HoldAsync()
        {
            _ = Call(("hold", 1));
            return _held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        public void Release() => _release.Set();

        public Task<string[]> Call(params (string Row, int Length)[] rows)
        {
            var request = new BatchRequest<string, string>(rows.Length);
            var items = rows.Select((r, i) => new BatchItem<string, string>(r.Row, r.Length, i, request)).ToArray();
            return _batcher.RunAsync(request, items, Ct);
        }

        public void Dispose()
        {
            _release.Set();
            _batcher.Dispose();
            _release.Dispose();
        }

        private void Run(int worker, ReadOnlySpan<BatchItem<string, string>> rows, CancellationToken cancellationToken)
        {
            var batch = new (string Row, int Length)[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                batch[i] = (rows[i].Row, rows[i].Length);
                rows[i].Result = rows[i].Row;
            }

            lock (Batches)
            {
                Batches.Add(batch);
            }

            if (batch.Any(r => r.Row == "hold"))
            {
                _held.TrySetResult();
                _release.Wait(cancellationToken);
            }

            OnBatch?.Invoke(batch);
        }
    }
}
