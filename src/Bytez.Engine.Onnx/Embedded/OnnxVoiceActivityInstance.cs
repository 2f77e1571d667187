using Bytez.Engine.VoiceActivity;
using Bytez.Media.Audio;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>The embedded Silero VAD (<c>architectures</c> <c>SileroVad</c>) as a model instance: <see cref="SileroVad"/> behind <see cref="IVoiceActivityInstance"/>.</summary>
public sealed class OnnxVoiceActivityInstance : IVoiceActivityInstance
{
    private readonly SileroVad _vad;

    /// <summary>Wraps an opened model; the instance owns and disposes it.</summary>
    public OnnxVoiceActivityInstance(ModelDescriptor model, SileroVad vad)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _vad = vad ?? throw new ArgumentNullException(nameof(vad));
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public int SampleRate => SileroVad.SampleRate;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<VadWindow>> DetectAsync(AudioSamples audio, float threshold, CancellationToken cancellationToken) =>
        await Task.Run(() => _vad.Detect(audio, threshold, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose() => _vad.Dispose();
}
