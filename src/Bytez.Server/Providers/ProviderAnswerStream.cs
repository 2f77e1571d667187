namespace Bytez.Server.Providers;

/// <summary>
/// A provider's answer body, read with bounds: at most <c>maxBytes</c> in all, and each read must bring data within
/// <c>idleTimeout</c>. Past either, the read throws a <see cref="ProviderException"/> (502 too large, 504 silent);
/// a cancellation of the caller's token stays a cancellation.
/// </summary>
public sealed class ProviderAnswerStream : Stream
{
    private readonly Stream _inner;
    private readonly long _maxBytes;
    private readonly TimeSpan _idleTimeout;
    private readonly string _provider;
    private long _read;

    /// <summary>Wraps <paramref name="inner"/>, which this stream disposes.</summary>
    public ProviderAnswerStream(Stream inner, long maxBytes, TimeSpan idleTimeout, string provider)
    {
        _inner = inner;
        _maxBytes = maxBytes;
        _idleTimeout = idleTimeout;
        _provider = provider;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_idleTimeout);
        int count;
        try
        {
            count = await _inner.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(StatusCodes.Status504GatewayTimeout,
                $"{_provider} sent nothing for {_idleTimeout} (Bytez:Providers:StreamIdleTimeout); the answer was cut off.", inner: e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(StatusCodes.Status502BadGateway, $"{_provider}'s answer broke off: {e.Message}", inner: e);
        }

        _read += count;
        if (_read > _maxBytes)
        {
            throw new ProviderException(StatusCodes.Status502BadGateway,
                $"{_provider}'s answer is larger than {_maxBytes} bytes (Bytez:Providers:MaxResponseBytes).");
        }

        return count;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
