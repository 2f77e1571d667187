using System.Diagnostics;
using Bytez.Engine;
using Bytez.Engine.Generation;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// The engine's encoder-decoder instance with a stopwatch around its encoder and decoder calls, so that a greedy run
/// through <see cref="Seq2SeqGenerator"/> splits into the time inside the instance (ONNX Runtime and the cache
/// handling around it) and the rest (logits processors, argmax, the generation loop).
/// </summary>
internal sealed class TimedSeq2SeqInstance(ISeq2SeqInstance inner) : ISeq2SeqInstance
{
    private long _encodeTicks;
    private long _stepTicks;
    private long _steps;

    public ModelDescriptor Model => inner.Model;

    public ITextTokenizer Tokenizer => inner.Tokenizer;

    public Seq2SeqModelInfo Info => inner.Info;

    /// <summary>Seconds inside the encoder calls, inside the decoder steps, and the number of steps, since the last reset.</summary>
    public (double Encode, double Steps, long Count) Read()
        => ((double)_encodeTicks / Stopwatch.Frequency, (double)_stepTicks / Stopwatch.Frequency, _steps);

    public void Reset() => (_encodeTicks, _stepTicks, _steps) = (0, 0, 0);

    public async ValueTask<ISeq2SeqDecoding> EncodeAsync(ReadOnlyMemory<int> source, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var decoding = await inner.EncodeAsync(source, cancellationToken).ConfigureAwait(false);
        _encodeTicks += Stopwatch.GetTimestamp() - started;
        return new TimedDecoding(this, decoding);
    }

    public void Dispose() => inner.Dispose();

    private sealed class TimedDecoding(TimedSeq2SeqInstance owner, ISeq2SeqDecoding inner) : ISeq2SeqDecoding
    {
        public int Rows => inner.Rows;

        public int Length => inner.Length;

        public async ValueTask<ReadOnlyMemory<float>> StepAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var logits = await inner.StepAsync(tokens, cancellationToken).ConfigureAwait(false);
            owner._stepTicks += Stopwatch.GetTimestamp() - started;
            owner._steps++;
            return logits;
        }

        public void Reorder(ReadOnlySpan<int> sourceRows) => inner.Reorder(sourceRows);

        public void Dispose() => inner.Dispose();
    }
}
