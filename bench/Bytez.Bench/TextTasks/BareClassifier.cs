using Bytez.Engine.Encoders;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// The bare runtime for text classification: ONNX Runtime sessions used the plain way (graph optimization ALL, the
/// thread count set), fed by the same tokenizer as the engine; softmax and the best label done here.
/// </summary>
internal sealed class BareClassifier : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask"];
    private static readonly string[] OutputNames = ["logits"];
    private readonly InferenceSession[] _sessions;
    private readonly IEncoderTokenizer _tokenizer;
    private readonly int _maxLength;

    public BareClassifier(string folder, int sessions, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        var path = Path.Combine(folder, "onnx", "model.onnx");
        _sessions = Enumerable.Range(0, sessions).Select(_ => new InferenceSession(path, options)).ToArray();
        var config = EncoderModelConfig.Read(folder);
        _tokenizer = EncoderTokenizers.FromDirectory(folder, config);
        _maxLength = DistilBertClassifier.Positions;
        Description = $"{sessions} session{(sessions == 1 ? string.Empty : "s")} × {intraOpThreads} thread{(intraOpThreads == 1 ? string.Empty : "s")}";
    }

    public string Description { get; }

    /// <summary>One pass: tokenize all, group by length (unless told not to), run batches of <paramref name="batchSize"/> (one worker per session); the best label of each.</summary>
    public async Task<int[]> ClassifyAsync(IReadOnlyList<string> texts, int batchSize, bool groupByLength = true)
    {
        var tokens = texts.Select(t => _tokenizer.Encode(t, _maxLength).Ids).ToArray();
        var order = Enumerable.Range(0, tokens.Length).ToArray();
        if (groupByLength)
        {
            Array.Sort(tokens.Select(t => t.Length).ToArray(), order);
        }
        var labels = new int[tokens.Length];
        var batches = (tokens.Length + batchSize - 1) / batchSize;
        var next = -1;
        var workers = _sessions.Select(session => Task.Run(() =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches)
            {
                var start = b * batchSize;
                Run(session, tokens, order, start, Math.Min(batchSize, tokens.Length - start), labels);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return labels;
    }

    private void Run(InferenceSession session, int[][] tokens, int[] order, int start, int count, int[] labels)
    {
        var seq = 0;
        for (var r = 0; r < count; r++)
        {
            seq = Math.Max(seq, tokens[order[start + r]].Length);
        }

        var ids = new long[count * seq];
        var mask = new long[count * seq];
        Array.Fill(ids, _tokenizer.PadTokenId);
        for (var r = 0; r < count; r++)
        {
            var row = tokens[order[start + r]];
            for (var t = 0; t < row.Length; t++)
            {
                ids[(r * seq) + t] = row[t];
                mask[(r * seq) + t] = 1;
            }
        }

        long[] shape = [count, seq];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, InputNames, [idsValue, maskValue], OutputNames);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var width = logits.Length / count;
        for (var r = 0; r < count; r++)
        {
            var row = logits.Slice(r * width, width);
            var max = float.NegativeInfinity;
            var best = 0;
            for (var k = 0; k < width; k++)
            {
                if (row[k] > max)
                {
                    (max, best) = (row[k], k);
                }
            }

            // The score the pipeline reports: softmax of the best logit (computed, as the server does).
            double sum = 0;
            for (var k = 0; k < width; k++)
            {
                sum += Math.Exp(row[k] - max);
            }

            labels[order[start + r]] = sum > 0 ? best : -1;
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }
}
