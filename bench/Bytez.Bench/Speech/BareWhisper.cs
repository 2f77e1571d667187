using Bytez.Media.Audio;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Speech;

/// <summary>
/// The bare runtime for Whisper: the same log-mel features (<see cref="WhisperFeatureExtractor"/>), the encoder session
/// run once, then the merged decoder stepped one token at a time with its <c>present.*</c> outputs fed back as
/// <c>past_key_values.*</c> (empty pasts and <c>use_cache_branch</c> false at the first step): the prompt
/// &lt;|startoftranscript|&gt; &lt;|en|&gt; &lt;|transcribe|&gt; &lt;|notimestamps|&gt;, then exactly N greedy tokens
/// (EOS masked, as <c>min_new_tokens</c> does in the engine; the space and EOS masked at the first, as
/// <c>begin_suppress_tokens</c>).
/// </summary>
internal sealed class BareWhisper : IDisposable
{
    private static readonly int[] Prompt = [WhisperTinyShaped.StartOfTranscript, WhisperTinyShaped.English, WhisperTinyShaped.Transcribe, WhisperTinyShaped.NoTimestamps];
    private readonly InferenceSession _encoder;
    private readonly InferenceSession _decoder;
    private readonly string[] _pastNames;
    private readonly string[] _presentNames;

    public BareWhisper(string folder, int intraOpThreads)
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
        for (var i = 0; i < WhisperTinyShaped.Layers; i++)
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
        Description = $"bare ONNX Runtime: features, encoder once, merged-decoder greedy loop with past key/values, 1 session pair × {intraOpThreads} thread{(intraOpThreads == 1 ? string.Empty : "s")}";
    }

    public string Description { get; }

    /// <summary>Transcribes one window of samples (up to 30 s) into exactly <paramref name="newTokens"/> tokens; returns them.</summary>
    public int[] Transcribe(WhisperFeatureExtractor extractor, float[] samples, int newTokens)
    {
        var features = extractor.Extract(samples);
        using var featureValue = OrtValue.CreateTensorValueFromMemory(features.Values, [1, features.MelBins, features.Frames]);
        using var runOptions = new RunOptions();
        using var encoded = _encoder.Run(runOptions, ["input_features"], [featureValue], ["last_hidden_state"]);
        var hidden = encoded[0];
        var headDim = WhisperTinyShaped.Model / WhisperTinyShaped.Heads;
        var past = new OrtValue[_pastNames.Length];
        for (var i = 0; i < past.Length; i++)
        {
            past[i] = OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [1, WhisperTinyShaped.Heads, 0, headDim]);
        }

        var inputNames = new[] { "input_ids", "encoder_hidden_states", "use_cache_branch" }.Concat(_pastNames).ToArray();
        var outputNames = new[] { "logits" }.Concat(_presentNames).ToArray();
        var generated = new int[newTokens];
        long token = Prompt[0];
        IDisposableReadOnlyCollection<OrtValue>? previous = null;
        try
        {
            for (var step = 0; step < Prompt.Length + newTokens - 1; step++)
            {
                using var tokenValue = OrtValue.CreateTensorValueFromMemory(new[] { token }, [1, 1]);
                using var branch = OrtValue.CreateTensorValueFromMemory(new[] { step > 0 }, [1]);
                var inputs = new OrtValue[inputNames.Length];
                (inputs[0], inputs[1], inputs[2]) = (tokenValue, hidden, branch);
                past.CopyTo(inputs, 3);
                var outputs = _decoder.Run(runOptions, inputNames, inputs, outputNames);
                var index = step - (Prompt.Length - 1);
                if (index >= 0)
                {
                    var logits = outputs[0].GetTensorDataAsSpan<float>();
                    var best = -1;
                    for (var v = 0; v < logits.Length; v++)
                    {
                        if (v == WhisperTinyShaped.EndOfText || (index == 0 && v == WhisperTinyShaped.Space))
                        {
                            continue;
                        }

                        if (best < 0 || logits[v] > logits[best])
                        {
                            best = v;
                        }
                    }

                    generated[index] = best;
                    token = best;
                }
                else
                {
                    token = Prompt[step + 1];
                }

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
