using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Bytez.Server.Tests;

/// <summary>
/// Sends bytes to the server over a plain TCP connection and reads one HTTP/1.1 answer, so that tests can send what
/// HttpClient refuses to (bad request lines, broken framing, truncated bodies, raw invalid UTF-8).
/// </summary>
internal static class RawHttp
{
    /// <summary>One answer; <see cref="Status"/> is 0 when the server closed the connection without one, -1 when none came in time.</summary>
    public sealed record Answer(int Status, string? ContentType, byte[] Body, TimeSpan Elapsed)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads the answer. The sending side stays open (Kestrel takes a
    /// half-closed connection for a client that left): a truncated body is noticed by the server's own timeouts.
    /// </summary>
    /// <param name="server">The server's address.</param>
    /// <param name="request">The bytes to send.</param>
    /// <param name="halfClose">End the sending side after the request, as a client that sends nothing more.</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    /// <param name="cancellationToken">Stops the exchange.</param>
    public static async Task<Answer> SendAsync(Uri server, byte[] request, bool halfClose, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = client.GetStream();
        var writing = WriteAsync(client, stream, request, halfClose, cts.Token);
        var reader = new Reader(stream, cts.Token);
        try
        {
            while (true)
            {
                var head = await reader.ReadHeadAsync();
                if (head is null)
                {
                    return new Answer(0, null, [], watch.Elapsed);
                }

                var lines = head.Split("\r\n");
                var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
                var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                    .Select(l => (Name: l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), Value: l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
                    .ToList();
                if (status is >= 100 and < 200)
                {
                    continue;
                }

                string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
                byte[] body;
                if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
                {
                    body = await reader.ReadChunkedAsync();
                }
                else if (Header("Content-Length") is { } length)
                {
                    body = await reader.ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture));
                }
                else
                {
                    body = await reader.ReadToEndAsync();
                }

                return new Answer(status, Header("Content-Type"), body, watch.Elapsed);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(-1, null, [], watch.Elapsed);
        }
        finally
        {
            try
            {
                await writing;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server may answer (413, 431, 400) and close before it has read all we send.
            }
        }
    }

    private static async Task WriteAsync(TcpClient client, NetworkStream stream, byte[] request, bool halfClose, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await stream.WriteAsync(request, cancellationToken);
        if (halfClose)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }
    }

    private sealed class Reader(NetworkStream stream, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadHeadAsync()
        {
            var head = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    return head.Count == 0 ? null : throw new IOException("The connection closed inside the answer's headers.");
                }

                head.Add(_buffer[_start++]);
                if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
                {
                    return Encoding.Latin1.GetString(head.ToArray(), 0, head.Count - 4);
                }
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var result = new byte[count];
            var done = 0;
            while (done < count)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new IOException($"The connection closed after {done} of {count} body bytes.");
                }

                var n = Math.Min(count - done, _end - _start);
                Array.Copy(_buffer, _start, result, done, n);
                _start += n;
                done += n;
            }

            return result;
        }

        public async Task<byte[]> ReadChunkedAsync()
        {
            var body = new MemoryStream();
            while (true)
            {
                var line = await ReadLineAsync();
                var size = int.Parse(line.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync()).Length > 0)
                    {
                    }

                    return body.ToArray();
                }

                body.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }

        public async Task<byte[]> ReadToEndAsync()
        {
            var body = new MemoryStream();
            do
            {
                body.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
            while (await FillAsync());
            return body.ToArray();
        }

        private async Task<string> ReadLineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new IOException("The connection closed inside a chunk header.");
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)b);
            }
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            try
            {
                _end = await stream.ReadAsync(_buffer, cancellationToken);
            }
            catch (IOException)
            {
                _end = 0; // reset by the server
            }

            return _end > 0;
        }
    }
}
