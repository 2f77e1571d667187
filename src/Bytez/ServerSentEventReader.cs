using System.Text;

namespace Bytez;

/// <summary>
/// Reads the <c>data</c> of server-sent events (<c>text/event-stream</c>) from a response body, as OpenAI-compatible
/// streams send them: <c>data: {json}</c> lines, events ended by a blank line, comments (<c>:</c>) and the
/// <c>event</c>, <c>id</c> and <c>retry</c> fields skipped. An event larger than the limit fails instead of growing
/// without end.
/// </summary>
internal sealed class ServerSentEventReader
{
    private readonly Stream _stream;
    private readonly int _maxEventBytes;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>Creates a reader of a body; the stream stays the caller's.</summary>
    /// <param name="stream">The response body.</param>
    /// <param name="maxEventBytes">The largest event (its lines together) accepted.</param>
    public ServerSentEventReader(Stream stream, int maxEventBytes = 16 * 1024 * 1024)
    {
        _stream = stream;
        _maxEventBytes = maxEventBytes;
    }

    /// <summary>The data of the next event (its <c>data</c> lines joined by newlines), or <see langword="null"/> at the end of the body.</summary>
    /// <exception cref="InvalidDataException">An event is larger than the limit.</exception>
    public async ValueTask<string?> ReadDataAsync(CancellationToken cancellationToken)
    {
        StringBuilder? data = null;
        var size = 0;
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return data.ToString();
                }

                continue;
            }

            size += line.Length;
            if (size > _maxEventBytes)
            {
                throw new InvalidDataException($"A server-sent event is larger than {_maxEventBytes} bytes.");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            if (field != "data")
            {
                continue;
            }

            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            if (data is null)
            {
                data = new StringBuilder(value);
            }
            else
            {
                data.Append('\n').Append(value);
            }
        }

        return data?.ToString();
    }

    /// <summary>The next line without its end (<c>\n</c>, <c>\r\n</c>), or <see langword="null"/> at the end of the body.</summary>
    private async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var searched = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', searched, _end - searched);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (_ended)
            {
                if (_start == _end)
                {
                    return null;
                }

                var rest = Encoding.UTF8.GetString(_buffer, _start, _end - _start).TrimEnd('\r');
                _start = _end;
                return rest;
            }

            searched = _end;
            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    // Move the unfinished line to the front.
                    Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                    searched -= _start;
                    _end -= _start;
                    _start = 0;
                }
                else if (_buffer.Length >= _maxEventBytes)
                {
                    throw new InvalidDataException($"A server-sent event line is longer than {_maxEventBytes} bytes.");
                }
                else
                {
                    Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxEventBytes));
                }
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
            }

            _end += read;
        }
    }
}
