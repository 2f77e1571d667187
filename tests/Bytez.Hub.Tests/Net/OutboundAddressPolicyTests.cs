using System.Net;
using Bytez.Hub.Net;

namespace Bytez.Hub.Tests.Net;

/// <summary>The outbound address policy: every special-purpose range and embedded form, the allow-list, and this machine's own addresses.</summary>
public sealed class OutboundAddressPolicyTests
{
    private static readonly IPAddress OwnPublic = IPAddress.Parse("93.184.216.34");

    [Theory]
    // IPv4 special-purpose registry, each block at its edges, and its neighbours outside.
    [InlineData("0.0.0.0")]
    [InlineData("0.255.255.255")]
    [InlineData("10.0.0.0")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.0")]
    [InlineData("100.127.255.255")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.0")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.0")]
    [InlineData("192.0.0.170")]
    [InlineData("192.0.0.255")]
    [InlineData("192.0.2.1")]
    [InlineData("192.31.196.1")]
    [InlineData("192.52.193.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.0.1")]
    [InlineData("192.175.48.1")]
    [InlineData("198.18.0.0")]
    [InlineData("198.19.255.255")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6: registry blocks, everything outside 2000::/3, and the transition forms.
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::127.0.0.1")]            // IPv4-compatible
    [InlineData("::8.8.8.8")]              // IPv4-compatible, refused whatever it carries
    [InlineData("::ffff:127.0.0.1")]       // IPv4-mapped loopback
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::127.0.0.1")]     // NAT64 of loopback
    [InlineData("64:ff9b::a00:1")]         // NAT64 of 10.0.0.1
    [InlineData("64:ff9b:1::808:808")]     // local-use NAT64
    [InlineData("100::1")]                 // discard-only
    [InlineData("2001::1")]                // Teredo
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")] // Teredo carrying 127.0.0.1 (obfuscated)
    [InlineData("2001:1::1")]              // PCP anycast
    [InlineData("2001:2::1")]              // benchmarking
    [InlineData("2001:10::1")]             // ORCHID
    [InlineData("2001:20::1")]             // ORCHIDv2
    [InlineData("2001:1ff:ffff::1")]       // end of 2001::/23
    [InlineData("2001:db8::1")]            // documentation
    [InlineData("2002:7f00:1::1")]         // 6to4 of 127.0.0.1
    [InlineData("2002:808:808::1")]        // 6to4, refused whatever it carries
    [InlineData("2620:4f:8000::1")]        // AS112
    [InlineData("3fff::1")]                // documentation (RFC 9637)
    [InlineData("5f00::1")]                // SRv6 SIDs
    [InlineData("fc00::1")]                // unique local
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]                // link local
    [InlineData("fec0::1")]                // old site local
    [InlineData("ff02::1")]                // multicast
    [InlineData("4000::1")]                // reserved by the IETF
    public void IsSpecialPurpose_ReservedAddress_IsTrue(string address) =>
        Assert.True(OutboundAddressPolicy.IsSpecialPurpose(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.0.1.255")]
    [InlineData("192.0.3.0")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("::ffff:8.8.8.8")]         // IPv4-mapped public
    [InlineData("64:ff9b::808:808")]       // NAT64 of 8.8.8.8
    [InlineData("2001:200::1")]            // just past 2001::/23
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2606:4700::6810:85e5")]
    [InlineData("2620:4f:8001::1")]
    [InlineData("3ffe:ffff::1")]
    public void IsSpecialPurpose_PublicAddress_IsFalse(string address) =>
        Assert.False(OutboundAddressPolicy.IsSpecialPurpose(IPAddress.Parse(address)), address);

    [Fact]
    public void IsAllowed_OwnPublicAddress_IsRefused()
    {
        var policy = Policy([]);

        Assert.False(policy.IsAllowed(OwnPublic, "93.184.216.34"));
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:93.184.216.34"), "example.org"));
        Assert.True(policy.IsAllowed(IPAddress.Parse("93.184.216.35"), "example.org"));
    }

    [Fact]
    public void IsAllowed_OwnAddressInsideAnAllowedBlock_IsStillRefused()
    {
        var policy = Policy(["93.184.216.0/24", "10.0.0.0/8"]);

        Assert.False(policy.IsAllowed(OwnPublic, "x"));
        Assert.False(policy.IsAllowed(IPAddress.Loopback, "x"));
        Assert.True(policy.IsAllowed(IPAddress.Parse("10.1.2.3"), "x"));
        Assert.False(policy.IsAllowed(IPAddress.Parse("192.168.1.1"), "x"));
    }

    [Fact]
    public void IsAllowed_SingleAddressEntry_AllowsEvenOwnAddress()
    {
        var policy = Policy(["127.0.0.1", "[::1]"]);

        Assert.True(policy.IsAllowed(IPAddress.Loopback, "x"));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1"), "x"));
        Assert.True(policy.IsAllowed(IPAddress.IPv6Loopback, "x"));
        Assert.False(policy.IsAllowed(IPAddress.Parse("127.0.0.2"), "x"));
    }

    [Fact]
    public void IsAllowed_HostNameEntry_AllowsWhatItResolvesTo()
    {
        var policy = Policy(["hooks.internal"]);

        Assert.True(policy.IsAllowed(IPAddress.Parse("10.9.9.9"), "HOOKS.internal."));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.9.9.9"), "other.internal"));
        Assert.True(policy.IsHostAllowed("hooks.internal"));
    }

    [Fact]
    public void IsAllowed_AllowAll_AllowsEverything()
    {
        var policy = new OutboundAddressPolicy(true, [], () => [OwnPublic], () => "box");

        Assert.True(policy.IsAllowed(IPAddress.Loopback, "localhost"));
        Assert.True(policy.IsAllowed(OwnPublic, "box"));
        Assert.True(policy.IsHostAllowed("localhost"));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST.")]
    [InlineData("api.localhost")]
    [InlineData("box")]
    [InlineData("Box.")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:10.0.0.1]")]
    [InlineData("93.184.216.34")]
    public void IsHostAllowed_LocalNameOrRefusedLiteral_IsFalse(string host) =>
        Assert.False(Policy([]).IsHostAllowed(host), host);

    [Theory]
    [InlineData("example.com")]
    [InlineData("box.example.com")]
    [InlineData("8.8.8.8")]
    [InlineData("[2606:4700::6810:85e5]")]
    public void IsHostAllowed_PublicName_IsTrue(string host) =>
        Assert.True(Policy([]).IsHostAllowed(host), host);

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not a host")]
    [InlineData("http://x/")]
    public void Constructor_BadAllowListEntry_SaysWhatIsExpected(string entry)
    {
        var error = Assert.Throws<ArgumentException>(() => new OutboundAddressPolicy(false, [entry]));

        Assert.Contains("CIDR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitList_CommaAndSpaceSeparated_GivesEntries() =>
        Assert.Equal(["a.example", "10.0.0.0/8", "::1"], OutboundAddressPolicy.SplitList(" a.example, 10.0.0.0/8 ;::1 "));

    private static OutboundAddressPolicy Policy(string[] allow) => new(false, allow, () => [OwnPublic, IPAddress.Loopback, IPAddress.IPv6Loopback], () => "box");
}
