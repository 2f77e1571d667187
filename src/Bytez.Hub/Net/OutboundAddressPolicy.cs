using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Bytez.Hub.Net;

/// <summary>
/// Where the server may open outbound connections to addresses a user chose (webhooks and media URLs):
/// only globally routable unicast addresses that are not this machine's own. Refused: every block of the IANA IPv4 and
/// IPv6 special-purpose address registries (loopback, private, link-local, shared/CGNAT, documentation,
/// benchmarking, reserved, broadcast, ULA, discard, ORCHID, AS112, ...), multicast, all IPv6 outside global unicast
/// <c>2000::/3</c>, the transition forms that carry an IPv4 address (IPv4-mapped and NAT64 <c>64:ff9b::/96</c> are
/// judged by the IPv4 address they carry; IPv4-compatible, 6to4 <c>2002::/16</c>, Teredo <c>2001::/32</c> and local
/// NAT64 <c>64:ff9b:1::/48</c> are refused whatever they carry), and the host's own interface addresses. The check runs
/// on the addresses a name resolved to, at connect time (<see cref="CreateHandler"/>), so DNS rebinding cannot
/// slip past it. An allow-list lets an operator permit named hosts, CIDR blocks or single addresses anyway.
/// </summary>
public sealed class OutboundAddressPolicy
{
    // IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry), every block, plus multicast 224.0.0.0/4
    // (IPv4 Multicast Address Space registry). 192.0.0.0/24 covers its own sub-entries (DS-Lite 192.0.0.0/29,
    // 192.0.0.8/32, PCP/TURN anycast 192.0.0.9-10, NAT64 discovery 192.0.0.170-171).
    private static readonly IPNetwork[] SpecialIPv4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),          // "this network"
        IPNetwork.Parse("10.0.0.0/8"),         // private use
        IPNetwork.Parse("100.64.0.0/10"),      // shared address space (carrier-grade NAT)
        IPNetwork.Parse("127.0.0.0/8"),        // loopback
        IPNetwork.Parse("169.254.0.0/16"),     // link local (cloud metadata endpoints live here)
        IPNetwork.Parse("172.16.0.0/12"),      // private use
        IPNetwork.Parse("192.0.0.0/24"),       // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),       // documentation TEST-NET-1
        IPNetwork.Parse("192.31.196.0/24"),    // AS112-v4
        IPNetwork.Parse("192.52.193.0/24"),    // AMT
        IPNetwork.Parse("192.88.99.0/24"),     // deprecated 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),     // private use
        IPNetwork.Parse("192.175.48.0/24"),    // direct delegation AS112 service
        IPNetwork.Parse("198.18.0.0/15"),      // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),    // documentation TEST-NET-2
        IPNetwork.Parse("203.0.113.0/24"),     // documentation TEST-NET-3
        IPNetwork.Parse("224.0.0.0/4"),        // multicast
        IPNetwork.Parse("240.0.0.0/4"),        // reserved, and 255.255.255.255 limited broadcast
    ];

    // IANA IPv6 Special-Purpose Address Registry blocks inside global unicast 2000::/3; everything outside 2000::/3
    // (::/128, ::1/128, ::ffff:0:0/96, 64:ff9b::/96, 64:ff9b:1::/48, 100::/64, 100:0:0:1::/64, 5f00::/16, fc00::/7,
    // fe80::/10, ff00::/8, and the space IANA keeps reserved) is refused as a whole.
    private static readonly IPNetwork[] SpecialIPv6 =
    [
        IPNetwork.Parse("2001::/23"),          // IETF protocol assignments: Teredo 2001::/32, anycast 2001:1::1-3,
                                               // benchmarking 2001:2::/48, AMT 2001:3::/32, AS112 2001:4:112::/48,
                                               // ORCHID 2001:10::/28, ORCHIDv2 2001:20::/28, DRIP 2001:30::/28
        IPNetwork.Parse("2001:db8::/32"),      // documentation
        IPNetwork.Parse("2002::/16"),          // 6to4
        IPNetwork.Parse("2620:4f:8000::/48"),  // direct delegation AS112 service
        IPNetwork.Parse("3fff::/20"),          // documentation (RFC 9637)
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly bool _allowAll;
    private readonly IReadOnlyList<IPNetwork> _allowedNetworks;
    private readonly IReadOnlySet<string> _allowedHosts;
    private readonly Func<IEnumerable<IPAddress>> _ownAddresses;
    private readonly Func<string> _ownHostName;

    /// <summary>
    /// Creates a policy. <paramref name="allowList"/> holds host names, CIDR blocks (<c>10.1.0.0/16</c>) and single
    /// addresses that are permitted even when private or reserved. A host name permits every address it resolves to; a
    /// block permits its addresses except this machine's own (name a single address for that).
    /// </summary>
    /// <param name="allowAll">Permit every address (no checks at all).</param>
    /// <param name="allowList">Entries permitted anyway; empty for none.</param>
    /// <exception cref="ArgumentException">An entry is neither a host name, an address nor a CIDR block.</exception>
    public OutboundAddressPolicy(bool allowAll, IEnumerable<string> allowList)
        : this(allowAll, allowList, InterfaceAddresses, Dns.GetHostName)
    {
    }

    /// <summary>Creates a policy with the caller's view of this machine's addresses and name (tests).</summary>
    internal OutboundAddressPolicy(bool allowAll, IEnumerable<string> allowList, Func<IEnumerable<IPAddress>> ownAddresses, Func<string> ownHostName)
    {
        ArgumentNullException.ThrowIfNull(allowList);
        _allowAll = allowAll;
        _ownAddresses = ownAddresses ?? throw new ArgumentNullException(nameof(ownAddresses));
        _ownHostName = ownHostName ?? throw new ArgumentNullException(nameof(ownHostName));
        var networks = new List<IPNetwork>();
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in allowList)
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
            {
                address = Normalize(address);
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns)
            {
                hosts.Add(entry.TrimEnd('.'));
            }
            else
            {
                throw new ArgumentException($"'{entry}' is not a host name, an IP address or a CIDR block (like 10.1.0.0/16).", nameof(allowList));
            }
        }

        _allowedNetworks = networks;
        _allowedHosts = hosts;
    }

    /// <summary>Whether any address is allowed: the policy checks nothing.</summary>
    public bool AllowsAll => _allowAll;

    /// <summary>
    /// Parses a comma- or whitespace-separated allow-list (as an option holds it) into its entries.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split([',', ';', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Whether an address belongs to a block of the IANA special-purpose registries, is multicast, lies outside IPv6
    /// global unicast, or carries (IPv4-mapped, NAT64) an IPv4 address that does. Pure: no allow-list, no own addresses.
    /// </summary>
    public static bool IsSpecialPurpose(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return SpecialIPv4.Any(n => n.Contains(address));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        if (Nat64.Contains(address))
        {
            // The well-known NAT64 prefix reaches the IPv4 address in its last 32 bits: judge that one.
            var bytes = address.GetAddressBytes();
            return IsSpecialPurpose(new IPAddress(bytes.AsSpan(12, 4)));
        }

        return !GlobalUnicast.Contains(address) || SpecialIPv6.Any(n => n.Contains(address));
    }

    /// <summary>
    /// Whether a connection to <paramref name="address"/> is allowed, <paramref name="host"/> being the name it was
    /// resolved from (or the address literal). Allowed: anything when the policy allows all; a host named in the
    /// allow-list; an address a single-address entry names; otherwise not this machine's own address, and either in an
    /// allowed block or not special-purpose.
    /// </summary>
    public bool IsAllowed(IPAddress address, string host)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(host);
        if (_allowAll || _allowedHosts.Contains(host.TrimEnd('.')))
        {
            return true;
        }

        address = Normalize(address);
        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (_allowedNetworks.Any(n => n.PrefixLength == maxPrefix && n.Contains(address)))
        {
            return true;
        }

        if (IsOwn(address))
        {
            return false;
        }

        return _allowedNetworks.Any(n => n.Contains(address)) || !IsSpecialPurpose(address);
    }

    /// <summary>
    /// The check a URL's host gets before any DNS lookup (to refuse early, with a clear message): <c>localhost</c>
    /// names, this machine's own name and refused address literals. Names that pass are checked again, address by
    /// address, at connect time.
    /// </summary>
    public bool IsHostAllowed(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.Trim('[', ']').TrimEnd('.');
        if (_allowAll || _allowedHosts.Contains(name))
        {
            return true;
        }

        if (IPAddress.TryParse(name, out var address))
        {
            return IsAllowed(address, name);
        }

        return !(string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || IsOwnName(name));
    }

    /// <summary>
    /// An HTTP handler that connects only where this policy allows (checked on the resolved addresses, at connect
    /// time), follows no redirects and uses no proxy (a proxy would connect on our behalf, unchecked).
    /// </summary>
    /// <param name="connectTimeout">How long a connection attempt may take.</param>
    /// <param name="resolve">Resolves a host name to addresses; <see langword="null"/> for DNS.</param>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        var lookup = resolve ?? Dns.GetHostAddressesAsync;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = connectTimeout,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, lookup, cancellationToken),
        };
    }

    /// <summary>Connects to the first allowed address the host resolves to.</summary>
    /// <exception cref="OutboundAddressRefusedException">The host resolved to no allowed address.</exception>
    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken cancellationToken)
    {
        var host = endPoint.Host.Trim('[', ']');
        var resolved = IPAddress.TryParse(host, out var literal) ? [literal] : await resolve(host, cancellationToken).ConfigureAwait(false);
        var addresses = resolved.Where(a => IsAllowed(a, host)).ToArray();
        if (addresses.Length == 0)
        {
            throw new OutboundAddressRefusedException(endPoint.Host, resolved);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool IsOwn(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        foreach (var own in _ownAddresses())
        {
            var normalized = Normalize(own);
            if (normalized.AddressFamily == address.AddressFamily && normalized.GetAddressBytes().AsSpan().SequenceEqual(address.GetAddressBytes()))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsOwnName(string name)
    {
        string own;
        try
        {
            own = _ownHostName();
        }
        catch (SocketException)
        {
            return false;
        }

        return string.Equals(name, own.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>This machine's unicast addresses on every interface (up or not).</summary>
    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return [];
        }

        return interfaces.SelectMany(i =>
        {
            try
            {
                return i.GetIPProperties().UnicastAddresses.Select(u => u.Address).ToArray();
            }
            catch (NetworkInformationException)
            {
                return [];
            }
        });
    }
}
