namespace Bytez.Media.Tests.Audio;

/// <summary>
/// Whisper's log-mel features computed by /usr/bin/python3 in the two ways transformers 4.57 computes them: the numpy
/// path (audio_utils.mel_filter_bank + spectrogram, float64 FFT held as complex64) and the torch path
/// (torch.stft in float32, float32 filters), written here from transformers' code. Input: float32 samples on stdin.
/// </summary>
internal static class WhisperReference
{
    private const string Common = """
import sys, numpy as np
n_mels, sr, n_fft, hop, n_samples, long_form = (int(a) for a in sys.argv[1:7])
wave = np.frombuffer(sys.stdin.buffer.read(), np.float32)
if not long_form:
    w = np.zeros(n_samples, np.float32); k = min(len(wave), n_samples); w[:k] = wave[:k]; wave = w

def hz_to_mel(f):
    f = np.asarray(f, np.float64); m = 3.0 * f / 200.0
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) * (27.0 / np.log(6.4)), m)
def mel_to_hz(m):
    m = np.asarray(m, np.float64); f = 200.0 * m / 3.0
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)), f)
bins = n_fft // 2 + 1
mel_freqs = np.linspace(float(hz_to_mel(0.0)), float(hz_to_mel(8000.0)), n_mels + 2)
filter_freqs = mel_to_hz(mel_freqs)
fft_freqs = np.linspace(0, sr // 2, bins)
diff = np.diff(filter_freqs)
slopes = filter_freqs[None, :] - fft_freqs[:, None]
filters = np.maximum(0.0, np.minimum(-slopes[:, :-2] / diff[:-1], slopes[:, 2:] / diff[1:]))
filters *= (2.0 / (filter_freqs[2:n_mels + 2] - filter_freqs[:n_mels]))[None, :]
""";

    /// <summary>The numpy path: returns float32 [n_mels, frames].</summary>
    public const string Numpy = Common + "\n" + """
x = np.pad(wave, (n_fft // 2, n_fft // 2), mode="reflect").astype(np.float64)
window = np.hanning(n_fft + 1)[:-1]
frames = 1 + (len(x) - n_fft) // hop
spec = np.empty((frames, bins), np.complex64)
for i in range(frames):
    spec[i] = np.fft.rfft(x[i * hop:i * hop + n_fft] * window)
power = np.abs(spec, dtype=np.float64) ** 2.0
mel = np.maximum(1e-10, np.dot(filters.T, power.T))
log = np.asarray(np.log10(mel), np.float32)[:, :-1]
log = np.maximum(log, log.max() - 8.0)
log = (log + 4.0) / 4.0
sys.stdout.buffer.write(np.ascontiguousarray(log, np.float32).tobytes())
""";

    /// <summary>The torch path (what the pipeline uses when torch is installed).</summary>
    public const string Torch = Common + "\n" + """
import torch
t = torch.from_numpy(np.array(wave)).to(torch.float32)
stft = torch.stft(t, n_fft, hop, window=torch.hann_window(n_fft), return_complex=True)
mag = stft[..., :-1].abs() ** 2
mel = torch.from_numpy(filters).to(torch.float32).T @ mag
log = torch.clamp(mel, min=1e-10).log10()
log = torch.maximum(log, log.max() - 8.0)
log = (log + 4.0) / 4.0
sys.stdout.buffer.write(np.ascontiguousarray(log.numpy(), np.float32).tobytes())
""";

    /// <summary>Runs one of the scripts on <paramref name="samples"/>.</summary>
    public static float[] Run(string script, float[] samples, int melBins, bool longForm = false) =>
        AudioTools.Floats(AudioTools.RunPython(script.Replace("sys.argv[1:7]", $"[{melBins}, 16000, 400, 160, 480000, {(longForm ? 1 : 0)}]", StringComparison.Ordinal), AudioTools.Bytes(samples)));
}
