using System.Net;

namespace Bytez.Hub.Net;

/// <summary>
/// A connection the <see cref="OutboundAddressPolicy"/> refused: the host resolved only to addresses it does not allow.
/// Final: trying again reaches the same addresses, so callers do not retry it.
/// </summary>
public sealed class OutboundAddressRefusedException : Exception
{
    /// <summary>Creates the exception for a host and the addresses it resolved to.</summary>
    public OutboundAddressRefusedException(string host, IReadOnlyCollection<IPAddress> addresses)
        : base($"'{host}' resolves to {(addresses.Count == 0 ? "no address" : string.Join(", ", addresses))}: a loopback, private, reserved or this server's own address, which is not allowed.")
    {
        Host = host;
        Addresses = addresses;
    }

    /// <summary>The host name (or address literal) of the refused connection.</summary>
    public string Host { get; }

    /// <summary>The addresses the host resolved to, none of them allowed.</summary>
    public IReadOnlyCollection<IPAddress> Addresses { get; }

    /// <summary>The refusal in an exception's chain of inner exceptions (HttpClient wraps connect failures), or <see langword="null"/>.</summary>
    public static OutboundAddressRefusedException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OutboundAddressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
