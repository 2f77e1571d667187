namespace Bytez;

/// <summary>Settings of a <see cref="BytezClient"/>. The client copies them when it is created.</summary>
public sealed class BytezClientOptions
{
    /// <summary>
    /// The API key sent as <c>Authorization: Key &lt;key&gt;</c>. When <see langword="null"/>, the client reads the
    /// <c>BYTEZ_KEY</c> environment variable.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The address of the v2 API, for example <see cref="BytezClient.HostedBaseAddress"/> or
    /// <see cref="BytezClient.LocalBaseAddress"/>. When <see langword="null"/>, the client uses the injected
    /// <see cref="HttpClient.BaseAddress"/> if there is one, otherwise <see cref="BytezClient.HostedBaseAddress"/>.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// How long one call may take, from sending the request to reading the last byte of the answer (streams
    /// included). Defaults to 15 minutes, as in the official JavaScript client; <see cref="Timeout.InfiniteTimeSpan"/>
    /// turns it off.
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// The clock that <see cref="BytezModel.LoadAsync"/> and <see cref="BytezClient.WaitForModelAsync"/> poll (and time out) by. When <see langword="null"/>,
    /// <see cref="System.TimeProvider.System"/>. Tests can pass a fake clock; the per-call <see cref="Timeout"/> is
    /// not affected.
    /// </summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The default of <see cref="Timeout"/>: 15 minutes.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromMinutes(15);
}
