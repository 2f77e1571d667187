using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// The bare runtime for encoder-decoder generation: the encoder session run once, then the merged decoder stepped one
/// token at a time with its <c>present.*</c> outputs fed back as <c>past_key_values.*</c> (empty pasts and
/// <c>use_cache_branch</c> false at the first step), greedy argmax, exactly N new tokens (EOS masked, as
/// <c>min_new_tokens</c> does in the engine; the pad token masked, as Marian's <c>adjust_logits_during_generation</c> does). Tokenized by the engine's tokenizer, outside the timing of neither.
/// </summary>
internal sealed class BareTranslator : IDisposable
{
    private readonly InferenceSession _encoder;
    private readonly InferenceSession _decoder;
    private readonly string[] _pastNames;
    private readonly string[] _presentNames;
    private long _encodeTicks;
    private long _stepTicks;

    public BareTranslator(string folder, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _encoder = new InferenceSession(Path.Combine(folder, "onnx", "encoder_model.onnx"), options);
        _decoder = new InferenceSession(Path.Combine(folder, "onnx", "decoder_model_merged.onnx"), options);
        var names = new List<string>();
        for (var i = 0; i < MarianTranslator.Layers; i++)
        {
            foreach (var side in new[] { "decoder", "encoder" })
            {
                foreach (var part in new[] { "key", "value" })
                {
                    names.Add($"{i}.{side}.{part}");
                }
            }
        }

        _pastNames = names.Select(n => "past_key_values." + n).ToArray();
        _presentNames = names.Select(n => "present." + n).ToArray();
        Description = $"1 session pair × {intraOpThreads} thread{(intraOpThreads == 1 ? string.Empty : "s")}";
    }

    public string Description { get; }

    /// <summary>Seconds inside the encoder runs and inside the decoder runs since the last <see cref="ResetTimes"/>.</summary>
    public (double Encode, double Steps) Times => ((double)_encodeTicks / System.Diagnostics.Stopwatch.Frequency, (double)_stepTicks / System.Diagnostics.Stopwatch.Frequency);

    public void ResetTimes() => (_encodeTicks, _stepTicks) = (0, 0);

    /// <summary>Generates exactly <paramref name="newTokens"/> tokens greedily after the decoder start token; returns them.</summary>
    /// <param name="tokenizer">Tokenizes the source.</param>
    /// <param name="text">The source text.</param>
    /// <param name="newTokens">How many tokens to generate.</param>
    /// <param name="forced">When given, these tokens are fed instead of the argmax (teacher forcing, for comparing logits step by step).</param>
    /// <param name="onLogits">When given, called with each step's raw logits.</param>
    public int[] Generate(ITextTokenizer tokenizer, string text, int newTokens, IReadOnlyList<int>? forced = null, Action<int, ReadOnlySpan<float>>? onLogits = null)
    {
        var source = tokenizer.Encode(text, addSpecialTokens: true);
        long[] sourceShape = [1, source.Length];
        var ids = source.Select(i => (long)i).ToArray();
        var mask = Enumerable.Repeat(1L, source.Length).ToArray();
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, sourceShape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, sourceShape);
        using var runOptions = new RunOptions();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var encoded = _encoder.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], ["last_hidden_state"]);
        _encodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        var hidden = encoded[0];

        var heads = MarianTranslator.Heads;
        var headDim = MarianTranslator.Model / heads;
        var past = new OrtValue[_pastNames.Length];
        for (var i = 0; i < past.Length; i++)
        {
            past[i] = OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [1, heads, 0, headDim]);
        }

        var inputNames = new[] { "encoder_attention_mask", "input_ids", "encoder_hidden_states", "use_cache_branch" }.Concat(_pastNames).ToArray();
        var outputNames = new[] { "logits" }.Concat(_presentNames).ToArray();
        var generated = new int[newTokens];
        var token = (long)MarianTranslator.Pad;
        IDisposableReadOnlyCollection<OrtValue>? previous = null;
        try
        {
            for (var step = 0; step < newTokens; step++)
            {
                using var tokenValue = OrtValue.CreateTensorValueFromMemory(new[] { token }, [1, 1]);
                using var branch = OrtValue.CreateTensorValueFromMemory(new[] { step > 0 }, [1]);
                var inputs = new OrtValue[inputNames.Length];
                (inputs[0], inputs[1], inputs[2], inputs[3]) = (maskValue, tokenValue, hidden, branch);
                past.CopyTo(inputs, 4);
                var stepStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                var outputs = _decoder.Run(runOptions, inputNames, inputs, outputNames);
                _stepTicks += System.Diagnostics.Stopwatch.GetTimestamp() - stepStarted;
                var logits = outputs[0].GetTensorDataAsSpan<float>();
                onLogits?.Invoke(step, logits);
                var best = 1;
                for (var v = 2; v < logits.Length; v++)
                {
                    if (v != MarianTranslator.Pad && logits[v] > logits[best])
                    {
                        best = v;
                    }
                }

                generated[step] = best;
                token = forced is null ? best : forced[step];
                if (previous is null)
                {
                    foreach (var empty in past)
                    {
                        empty.Dispose();
                    }
                }

                previous?.Dispose();
                previous = outputs;
                for (var i = 0; i < past.Length; i++)
                {
                    past[i] = outputs[i + 1];
                }
            }
        }
        finally
        {
            previous?.Dispose();
        }

        return generated;
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }
}
