using Bytez.Hub.Net;
using Bytez.Media;

namespace Bytez.Server.Media;

/// <summary>
/// Media on the wire (section <c>Bytez:Media</c>): the bounds of one request's media (<see cref="MediaLimits"/>), how
/// media URLs are fetched, and how long the files tasks produce are kept. Every option is listed in
/// docs/configuration.md.
/// </summary>
public sealed class MediaOptions
{
    private static readonly MediaLimits Defaults = new();

    /// <summary>The most encoded bytes of one request's media (one input, or a list's together); default 25 MiB.</summary>
    public long MaxBytes { get; set; } = Defaults.MaxBytes;

    /// <summary>The most pixels a decoded image may have; default 40 megapixels.</summary>
    public long MaxPixels { get; set; } = Defaults.MaxPixels;

    /// <summary>The longest decoded audio; default one hour.</summary>
    public TimeSpan MaxAudioDuration { get; set; } = Defaults.MaxAudioDuration;

    /// <summary>Turns the address policy of media URLs off: any address, this machine's included. Default false.</summary>
    public bool AllowPrivateUrls { get; set; }

    /// <summary>
    /// Media URL hosts, CIDR blocks and addresses allowed although private or reserved, separated by commas (as
    /// <c>Bytez:Hub:WebhookAllowList</c>). Default none.
    /// </summary>
    public string? UrlAllowList { get; set; }

    /// <summary>How long fetching one media URL may take, redirects and the whole body included; default 30 s.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most redirects followed for one media URL; default 5 (0 follows none).</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>How long a file a task produced stays downloadable; default one hour.</summary>
    public TimeSpan FileLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most bytes all produced files may take on disk; the oldest go first past it. Default 1 GiB.</summary>
    public long MaxFileStoreBytes { get; set; } = 1L << 30;

    /// <summary>The media limits these options describe, for the engine's reader and the decoders.</summary>
    public MediaLimits Limits() => new() { MaxBytes = MaxBytes, MaxPixels = MaxPixels, MaxAudioDuration = MaxAudioDuration };

    /// <summary>The outbound address policy of media URLs these options describe.</summary>
    /// <exception cref="ArgumentException">An entry of <see cref="UrlAllowList"/> is not a host, address or CIDR block.</exception>
    public OutboundAddressPolicy UrlPolicy() => new(AllowPrivateUrls, OutboundAddressPolicy.SplitList(UrlAllowList));

    /// <summary>Checks the values; throws naming the wrong one.</summary>
    /// <exception cref="ArgumentException">A value is out of range or the allow-list has a bad entry.</exception>
    public void Validate()
    {
        Limits().Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FetchTimeout, TimeSpan.Zero, nameof(FetchTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedirects, nameof(MaxRedirects));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRedirects, 20, nameof(MaxRedirects));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FileLifetime, TimeSpan.Zero, nameof(FileLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFileStoreBytes, 1, nameof(MaxFileStoreBytes));
        _ = UrlPolicy();
    }

    /// <summary>The length of the base64 text of <see cref="MaxBytes"/> bytes: what a request body must admit.</summary>
    public long Base64Length => (MaxBytes + 2) / 3 * 4;
}
