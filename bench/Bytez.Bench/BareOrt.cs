using Bytez.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench;

/// <summary>
/// (a) The bare runtime: an ONNX Runtime session used the plain way (graph optimization ALL, the thread count set,
/// nothing else), fed with the same tokenizer as the engine, mean pooling and L2 normalization done here.
/// </summary>
internal sealed class BareSession : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public BareSession(string onnxPath, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(onnxPath, options);
        Hidden = (int)_session.OutputMetadata[OutputNames[0]].Dimensions[2];
    }

    public int Hidden { get; }

    /// <summary>Embeds <c>tokens[order[start..start+count]]</c>, padding to the longest of them.</summary>
    public void Run(int[][] tokens, int[] order, int start, int count, float[][] results)
    {
        var seq = 0;
        for (var r = 0; r < count; r++)
        {
            seq = Math.Max(seq, tokens[order[start + r]].Length);
        }

        var ids = new long[count * seq];
        var mask = new long[count * seq];
        var types = new long[count * seq];
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
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var outputs = _session.Run(_runOptions, InputNames, [idsValue, maskValue, typesValue], OutputNames);
        var hiddenStates = outputs[0].GetTensorDataAsSpan<float>();
        var hidden = Hidden;
        for (var r = 0; r < count; r++)
        {
            var length = tokens[order[start + r]].Length;
            var vector = new float[hidden];
            var rowStates = hiddenStates.Slice(r * seq * hidden, length * hidden);
            for (var t = 0; t < length; t++)
            {
                var token = rowStates.Slice(t * hidden, hidden);
                for (var h = 0; h < hidden; h++)
                {
                    vector[h] += token[h];
                }
            }

            double squares = 0;
            for (var h = 0; h < hidden; h++)
            {
                vector[h] /= length;
                squares += (double)vector[h] * vector[h];
            }

            var scale = (float)(1.0 / Math.Max(Math.Sqrt(squares), 1e-12));
            for (var h = 0; h < hidden; h++)
            {
                vector[h] *= scale;
            }

            results[order[start + r]] = vector;
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>One pass of the bare runtime over a list of texts: tokenize, (group by length), batch, run, pool.</summary>
internal static class BareRunner
{
    public static async Task<float[][]> EmbedAsync(
        BareSession[] sessions, BertWordPieceTokenizer tokenizer, int maxLength, IReadOnlyList<string> texts, int batchSize, bool groupByLength)
    {
        var tokens = new int[texts.Count][];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = tokenizer.Encode(texts[i], maxLength).Ids;
        }

        var order = Enumerable.Range(0, tokens.Length).ToArray();
        if (groupByLength)
        {
            var lengths = tokens.Select(t => t.Length).ToArray();
            Array.Sort(lengths, order);
        }

        var results = new float[tokens.Length][];
        var batchCount = (tokens.Length + batchSize - 1) / batchSize;
        if (sessions.Length == 1)
        {
            for (var b = 0; b < batchCount; b++)
            {
                var start = b * batchSize;
                sessions[0].Run(tokens, order, start, Math.Min(batchSize, tokens.Length - start), results);
            }

            return results;
        }

        // One worker per session, each pulling the next batch.
        var next = -1;
        var workers = sessions.Select(session => Task.Run(() =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batchCount)
            {
                var start = b * batchSize;
                session.Run(tokens, order, start, Math.Min(batchSize, tokens.Length - start), results);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return results;
    }
}
