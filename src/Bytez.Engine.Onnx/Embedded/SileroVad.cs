using Bytez.Engine.VoiceActivity;
using Bytez.Media.Audio;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// Runs the embedded Silero VAD v5 (<c>onnx-community/silero-vad</c>) over 16 kHz audio: windows of 512 samples
/// (32 ms), each fed with the 64 samples before it (its context; zeros before the first) and the recurrent state the
/// previous window left, give the probability that the window holds speech. The last window is padded with zeros.
/// Thread-safe: each call keeps its own state.
/// </summary>
public sealed class SileroVad : IDisposable
{
    /// <summary>The sampling rate the model runs at.</summary>
    public const int SampleRate = 16000;

    /// <summary>The samples of one window.</summary>
    public const int WindowSamples = 512;

    /// <summary>The samples of the previous window prepended to each window.</summary>
    public const int ContextSamples = 64;

    /// <summary>The probability at or above which a window is speech, unless a caller picks another.</summary>
    public const float DefaultThreshold = 0.5f;

    private const int StateSize = 2 * 1 * 128;
    private static readonly long[] InputShape = [1, ContextSamples + WindowSamples];
    private static readonly long[] StateShape = [2, 1, 128];
    private readonly InferenceSession _session;

    private SileroVad(InferenceSession session) => _session = session;

    /// <summary>Opens the model folder (<c>onnx/model.onnx</c>).</summary>
    /// <exception cref="EngineException">The file is missing (NotFound) or ONNX Runtime cannot load it (Internal).</exception>
    public static SileroVad Open(string modelFolder, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(options);
        var path = EmbeddedRunnerFiles.Require(modelFolder, "onnx/model.onnx");
        using var sessionOptions = OnnxSessions.CreateOptions(options);
        return new SileroVad(OnnxSessions.Open(path, sessionOptions));
    }

    /// <summary>The speech probability and label of every 32 ms window of <paramref name="audio"/>, in order.</summary>
    /// <exception cref="EngineException">The audio is not at 16 kHz (BadInput: resample it first), or ONNX Runtime failed (Internal).</exception>
    public IReadOnlyList<VadWindow> Detect(AudioSamples audio, float threshold = DefaultThreshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.SampleRate != SampleRate)
        {
            throw EngineException.BadInput($"Silero VAD takes audio at {SampleRate} Hz, not {audio.SampleRate} Hz.");
        }

        var samples = audio.Samples;
        var windows = new List<VadWindow>((samples.Length + WindowSamples - 1) / WindowSamples);
        var frame = new float[ContextSamples + WindowSamples];
        var state = new float[StateSize];
        long[] rate = [SampleRate];
        using var runOptions = new RunOptions();
        for (var start = 0; start < samples.Length; start += WindowSamples)
        {
            // The context: the last 64 samples of the previous frame (zeros before the first window).
            Array.Copy(frame, WindowSamples, frame, 0, ContextSamples);
            var count = Math.Min(WindowSamples, samples.Length - start);
            Array.Copy(samples, start, frame, ContextSamples, count);
            Array.Clear(frame, ContextSamples + count, WindowSamples - count);

            using var input = OrtValue.CreateTensorValueFromMemory(frame, InputShape);
            using var stateIn = OrtValue.CreateTensorValueFromMemory(state, StateShape);
            using var sr = OrtValue.CreateTensorValueFromMemory(rate, []);
            using var outputs = OnnxSessions.Run(
                _session, runOptions, ["input", "state", "sr"], [input, stateIn, sr], ["output", "stateN"], "Silero VAD", cancellationToken);
            var probability = outputs[0].GetTensorDataAsSpan<float>()[0];
            outputs[1].GetTensorDataAsSpan<float>().CopyTo(state);
            windows.Add(new VadWindow(
                TimeSpan.FromSeconds((double)start / SampleRate),
                TimeSpan.FromSeconds((double)(start + WindowSamples) / SampleRate),
                probability,
                probability >= threshold));
        }

        return windows;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
