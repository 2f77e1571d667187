using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Bytez.Hub.Jobs;
using Bytez.Protocol;
using Bytez.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bytez.Hub.Tests;

/// <summary>Webhook URLs: what a request may name, and where a call may connect (checked again after DNS).</summary>
public sealed class WebhookNotifierTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("ftp://example.com/hook", "http or https")]
    [InlineData("/relative/hook", "http or https")]
    [InlineData("https://user:secret@example.com/hook", "user name or password")]
    [InlineData("http://localhost:8080/hook", "AllowPrivateWebhooks")]
    [InlineData("http://api.localhost/hook", "AllowPrivateWebhooks")]
    [InlineData("http://127.0.0.1/hook", "AllowPrivateWebhooks")]
    [InlineData("http://10.1.2.3/hook", "AllowPrivateWebhooks")]
    [InlineData("http://172.20.0.1/hook", "AllowPrivateWebhooks")]
    [InlineData("http://192.168.1.10/hook", "AllowPrivateWebhooks")]
    [InlineData("http://169.254.169.254/latest/meta-data", "AllowPrivateWebhooks")]
    [InlineData("http://100.64.0.1/hook", "AllowPrivateWebhooks")]
    [InlineData("http://0.0.0.0/hook", "AllowPrivateWebhooks")]
    [InlineData("http://[::1]/hook", "AllowPrivateWebhooks")]
    [InlineData("http://[fe80::1]/hook", "AllowPrivateWebhooks")]
    [InlineData("http://[fd12:3456::1]/hook", "AllowPrivateWebhooks")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "AllowPrivateWebhooks")]
    public void Validate_UnacceptableUrl_IsRefusedSayingWhy(string url, string expected)
    {
        using var notifier = new WebhookNotifier(new HubOptions(), NullLogger<WebhookNotifier>.Instance);

        var error = Assert.Throws<HubException>(() => notifier.Validate(url));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com/hook")]
    [InlineData("http://93.184.216.34:8443/hook?x=1")]
    [InlineData("https://[2606:4700::6810:85e5]/hook")]
    public void Validate_PublicUrl_IsAccepted(string url)
    {
        using var notifier = new WebhookNotifier(new HubOptions(), NullLogger<WebhookNotifier>.Instance);

        notifier.Validate(url);
    }

    [Fact]
    public void Validate_PrivateUrlWhenAllowed_IsAccepted()
    {
        using var notifier = new WebhookNotifier(new HubOptions { AllowPrivateWebhooks = true }, NullLogger<WebhookNotifier>.Instance);

        notifier.Validate("http://127.0.0.1:9/hook");
    }

    [Fact]
    public async Task NotifyAsync_NameThatResolvesToAPrivateAddress_NeverConnects()
    {
        // The name passes the URL check (no IP literal, not localhost); only its address, known after DNS, is private.
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = new Uri(receiver.Url).Port;
        var resolved = new List<string>();
        using var notifier = new WebhookNotifier(
            new HubOptions(), NullLogger<WebhookNotifier>.Instance,
            (name, _) =>
            {
                resolved.Add(name);
                return Task.FromResult(new[] { IPAddress.Loopback });
            });
        var url = $"http://hooks.example.test:{port}/hook";
        notifier.Validate(url);

        await notifier.NotifyAsync(url, Status(), Ct);

        Assert.Contains("hooks.example.test", resolved);
        Assert.False(receiver.HasPending, "the webhook reached a loopback address");
    }

    [Fact]
    public async Task NotifyAsync_NameThatResolvesToAPrivateAddressWhenAllowed_Delivers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = new Uri(receiver.Url).Port;
        using var notifier = new WebhookNotifier(
            new HubOptions { AllowPrivateWebhooks = true }, NullLogger<WebhookNotifier>.Instance,
            (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        await notifier.NotifyAsync($"http://hooks.example.test:{port}/hook", Status(), Ct);
        var delivered = await receiver.NextAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("org/model", delivered.ModelId);
        Assert.Equal(ModelRequestStates.Ready, delivered.State);
    }

    [Fact]
    public async Task NotifyAsync_ReceiverThatFailsTwice_IsRetried()
    {
        var calls = 0;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                using var client = await listener.AcceptTcpClientAsync(Ct);
                var stream = client.GetStream();
                await ReadRequestAsync(stream);
                calls++;
                var answer = i < 2 ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), Ct);
            }
        }, Ct);
        using var notifier = new WebhookNotifier(new HubOptions { AllowPrivateWebhooks = true }, NullLogger<WebhookNotifier>.Instance);

        await notifier.NotifyAsync($"http://127.0.0.1:{port}/hook", Status(), Ct);
        await server;

        Assert.Equal(3, calls);
    }

    [Fact]
    public void Validate_TrailingDotLocalhost_IsRefused()
    {
        using var notifier = new WebhookNotifier(new HubOptions(), NullLogger<WebhookNotifier>.Instance);

        Assert.Throws<HubException>(() => notifier.Validate("http://localhost./hook"));
    }

    /// <summary>Reads one HTTP request with a Content-Length body.</summary>
    private static async Task ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var read = await stream.ReadAsync(buffer, Ct);
            if (read == 0)
            {
                return;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var all = text.ToString();
            var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var length = all[..end].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
                ? int.Parse(header["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
                : 0;
            if (all.Length - end - 4 >= length)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task NotifyAsync_RefusedAddress_IsNotRetried()
    {
        var lookups = 0;
        using var notifier = new WebhookNotifier(
            new HubOptions(), NullLogger<WebhookNotifier>.Instance,
            (_, _) =>
            {
                Interlocked.Increment(ref lookups);
                return Task.FromResult(new[] { IPAddress.Parse("10.0.0.1") });
            });

        await notifier.NotifyAsync("http://hooks.example.test/hook", Status(), Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(1, lookups);
    }

    [Fact]
    public async Task NotifyAsync_OwnInterfaceAddressOrHostName_IsRefused()
    {
        // Every special-purpose block allowed (as broad CIDRs): only the own-address rule stands between the webhook
        // and a real receiver listening on every interface of this machine.
        await using var receiver = await WebhookReceiver.StartAsync(allInterfaces: true);
        var port = new Uri(receiver.Url).Port;
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
        Assert.NotEmpty(own);
        var options = new HubOptions { WebhookAllowList = "0.0.0.0/0, ::/0" };
        using var notifier = new WebhookNotifier(options, NullLogger<WebhookNotifier>.Instance);
        var hostUrl = $"http://{Dns.GetHostName()}:{port}/hook";

        Assert.Throws<HubException>(() => notifier.Validate(hostUrl));
        await notifier.NotifyAsync(hostUrl, Status(), Ct);
        foreach (var address in own)
        {
            var url = $"http://{address}:{port}/hook";
            Assert.Throws<HubException>(() => notifier.Validate(url));
            await notifier.NotifyAsync(url, Status(), Ct);
        }

        Assert.False(receiver.HasPending, "a webhook reached this machine's own address");

        // The receiver is reachable at those addresses: with the policy off, the same calls arrive.
        using var open = new WebhookNotifier(new HubOptions { AllowPrivateWebhooks = true }, NullLogger<WebhookNotifier>.Instance);
        await open.NotifyAsync(hostUrl, Status(), Ct);
        await receiver.NextAsync(TimeSpan.FromSeconds(10), Ct);
        foreach (var address in own)
        {
            await open.NotifyAsync($"http://{address}:{port}/hook", Status(), Ct);
            await receiver.NextAsync(TimeSpan.FromSeconds(10), Ct);
        }
    }

    [Fact]
    public async Task NotifyAsync_LoopbackNamedInAllowList_Delivers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var notifier = new WebhookNotifier(new HubOptions { WebhookAllowList = "127.0.0.1" }, NullLogger<WebhookNotifier>.Instance);
        notifier.Validate(receiver.Url);

        await notifier.NotifyAsync(receiver.Url, Status(), Ct);

        Assert.Equal("org/model", (await receiver.NextAsync(TimeSpan.FromSeconds(10), Ct)).ModelId);
    }

    [Fact]
    public void Validate_PrivateAddressInAllowedBlock_IsAccepted()
    {
        using var notifier = new WebhookNotifier(new HubOptions { WebhookAllowList = "10.1.0.0/16" }, NullLogger<WebhookNotifier>.Instance);

        notifier.Validate("http://10.1.2.3/hook");
        Assert.Throws<HubException>(() => notifier.Validate("http://10.2.0.1/hook"));
    }

    private static ModelRequestStatus Status() => new()
    {
        ModelId = "org/model",
        State = ModelRequestStates.Ready,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };
}
