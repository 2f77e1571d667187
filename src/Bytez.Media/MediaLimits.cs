namespace Bytez.Media;

/// <summary>
/// The bounds on one media input, so that no image or sound can take unbounded time or memory: the encoded bytes,
/// the decoded pixels (a small PNG can claim a huge canvas) and the decoded duration. Bound by the server to
/// <c>Bytez:Media:*</c>.
/// </summary>
public sealed class MediaLimits
{
    /// <summary>The most encoded bytes one media input may have: 25 MiB.</summary>
    public long MaxBytes { get; set; } = 25L << 20;

    /// <summary>The most pixels (width × height) a decoded image may have: 40 megapixels.</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>The longest decoded audio: one hour.</summary>
    public TimeSpan MaxAudioDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> naming the wrong one.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAudioDuration, TimeSpan.Zero, nameof(MaxAudioDuration));
    }
}
