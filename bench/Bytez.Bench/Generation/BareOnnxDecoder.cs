using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Bench.Generation;

/// <summary>
/// (1) The direct baseline for ONNX decoders: a plain ONNX Runtime loop written the way a user would, with no engine
/// code. One <see cref="InferenceSession"/>; per step <c>input_ids</c>, an all-ones <c>attention_mask</c>,
/// <c>position_ids</c>, the previous step's <c>present.*</c> fed back as <c>past_key_values.*</c> (an empty past
/// [1, kv_heads, 0, head_dim] first; <c>use_cache_branch</c> for merged decoders), then argmax of the last logits with
/// the end-of-sequence tokens masked (what <c>min_new_tokens</c> = N does).
/// </summary>
internal sealed class BareOnnxDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly string[] _pastNames;
    private readonly TensorElementType[] _pastTypes;
    private readonly long[][] _emptyPastShapes;
    private readonly bool _hasMask;
    private readonly bool _hasPositions;
    private readonly bool _hasBranch;
    private readonly TensorElementType _logitsType;

    /// <param name="onnxPath">The decoder file.</param>
    /// <param name="intraOpThreads">Intra-op threads, or <see langword="null"/> for ONNX Runtime's default.</param>
    /// <param name="engineSessionOptions">Also set what the engine's loader sets besides the threads (one inter-op
    /// thread, sequential execution, and with one intra-op thread <c>session.intra_op.allow_spinning</c> = 0), to tell
    /// session options from loop code when the two differ.</param>
    public BareOnnxDecoder(string onnxPath, int? intraOpThreads, bool engineSessionOptions = false)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads is { } threads)
        {
            options.IntraOpNumThreads = threads;
        }

        if (engineSessionOptions)
        {
            options.InterOpNumThreads = 1;
            options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            if (intraOpThreads == 1)
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            }
        }

        _session = new InferenceSession(onnxPath, options);
        var inputs = _session.InputMetadata;
        var names = new List<string> { "input_ids" };
        _hasMask = inputs.ContainsKey("attention_mask");
        _hasPositions = inputs.ContainsKey("position_ids");
        _hasBranch = inputs.ContainsKey("use_cache_branch");
        if (_hasMask)
        {
            names.Add("attention_mask");
        }

        if (_hasPositions)
        {
            names.Add("position_ids");
        }

        if (_hasBranch)
        {
            names.Add("use_cache_branch");
        }

        _pastNames = inputs.Keys.Where(k => k.StartsWith("past_key_values.", StringComparison.Ordinal)).ToArray();
        var unknown = inputs.Keys.Except(names).Except(_pastNames).ToList();
        if (unknown.Count > 0)
        {
            throw new NotSupportedException($"The bare loop does not know the decoder inputs {string.Join(", ", unknown)}.");
        }

        names.AddRange(_pastNames);
        _inputNames = [.. names];
        _pastTypes = _pastNames.Select(n => inputs[n].ElementDataType).ToArray();
        _emptyPastShapes = _pastNames.Select(n =>
        {
            var dims = inputs[n].Dimensions;
            return new long[] { 1, dims[1], 0, dims[3] };
        }).ToArray();
        _outputNames = ["logits", .. _pastNames.Select(n => "present." + n["past_key_values.".Length..])];
        _logitsType = _session.OutputMetadata["logits"].ElementDataType;
        VocabularySize = (int)_session.OutputMetadata["logits"].Dimensions[^1];
    }

    public int VocabularySize { get; }

    /// <summary>Greedy decoding of <paramref name="newTokens"/> tokens after <paramref name="prompt"/>, never ending early.</summary>
    public GenerationRun Generate(int[] prompt, int newTokens, IReadOnlyCollection<int> banned, Func<int[], string> decode, int tokensAtFirst)
    {
        var clock = new StreamClock();
        var generated = new List<int>(newTokens);
        var past = new OrtValue[_pastNames.Length];
        using var runOptions = new RunOptions();
        var inputs = new OrtValue[_inputNames.Length];
        var vocab = VocabularySize;
        var scores = new float[vocab];
        try
        {
            for (var i = 0; i < past.Length; i++)
            {
                past[i] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _pastTypes[i], _emptyPastShapes[i]);
            }

            long[] feed = [.. prompt.Select(t => (long)t)];
            var length = 0;
            while (generated.Count < newTokens)
            {
                var total = length + feed.Length;
                var n = 0;
                inputs[n++] = OrtValue.CreateTensorValueFromMemory(feed, [1, feed.Length]);
                if (_hasMask)
                {
                    var mask = new long[total];
                    Array.Fill(mask, 1L);
                    inputs[n++] = OrtValue.CreateTensorValueFromMemory(mask, [1, total]);
                }

                if (_hasPositions)
                {
                    var positions = new long[feed.Length];
                    for (var p = 0; p < positions.Length; p++)
                    {
                        positions[p] = length + p;
                    }

                    inputs[n++] = OrtValue.CreateTensorValueFromMemory(positions, [1, feed.Length]);
                }

                if (_hasBranch)
                {
                    inputs[n++] = OrtValue.CreateTensorValueFromMemory(new[] { length > 0 }, [1]);
                }

                var fixedInputs = n;
                foreach (var value in past)
                {
                    inputs[n++] = value;
                }

                var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
                for (var k = 0; k < fixedInputs; k++)
                {
                    inputs[k].Dispose();
                }

                LastLogits(outputs[0], scores);
                outputs[0].Dispose();
                for (var k = 0; k < past.Length; k++)
                {
                    past[k].Dispose();
                    past[k] = outputs[k + 1];
                }

                foreach (var b in banned)
                {
                    scores[b] = float.NegativeInfinity;
                }

                var token = ArgMax(scores);
                generated.Add(token);
                clock.Token();
                length = total;
                feed = [token];
            }

            return clock.Finish(generated.Count, decode([.. generated]), generated, tokensAtFirst);
        }
        finally
        {
            foreach (var value in past)
            {
                value?.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    private void LastLogits(OrtValue logits, float[] scores)
    {
        var vocab = scores.Length;
        if (_logitsType == TensorElementType.Float16)
        {
            var data = logits.GetTensorDataAsSpan<Float16>()[^vocab..];
            for (var i = 0; i < vocab; i++)
            {
                scores[i] = data[i].ToFloat();
            }
        }
        else
        {
            logits.GetTensorDataAsSpan<float>()[^vocab..].CopyTo(scores);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }
}
