using Bytez.Media.Audio;

namespace Bytez.Engine.VoiceActivity;

/// <summary>
/// A loaded voice-activity model (the embedded Silero VAD): mono audio at <see cref="SampleRate"/> in, the speech
/// probability of each fixed window out. <c>audio-classification</c> answers with labels <c>speech</c> /
/// <c>no-speech</c> and their segments (<see cref="VoiceSegments"/>).
/// </summary>
public interface IVoiceActivityInstance : IModelInstance
{
    /// <summary>The sampling rate the model takes; audio is decoded and resampled to it first.</summary>
    int SampleRate { get; }

    /// <summary>
    /// Every window of <paramref name="audio"/> in order, each with its speech probability and whether it reaches
    /// <paramref name="threshold"/>.
    /// </summary>
    /// <exception cref="EngineException">The audio is at another rate (BadInput) or the runtime failed (Internal).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    ValueTask<IReadOnlyList<VadWindow>> DetectAsync(AudioSamples audio, float threshold, CancellationToken cancellationToken);
}
