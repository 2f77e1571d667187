namespace Bytez.Tests;

public sealed class BytezAdminClientTests
{
    [Theory]
    [InlineData("http://localhost:8080/models/v2/", "http://localhost:8080/admin/v1/keys")]
    [InlineData("https://example.test/bytez/models/v2/", "https://example.test/bytez/admin/v1/keys")]
    [InlineData("https://example.test/other/", "https://example.test/other/admin/v1/keys")]
    public void KeysAddress_BaseAddress_IsTheServerRootPlusTheAdminRoute(string baseAddress, string expected)
    {
        using var client = new BytezClient(new BytezClientOptions { ApiKey = "k", BaseAddress = new Uri(baseAddress) });

        Assert.Equal(expected, client.Admin.KeysAddress.AbsoluteUri);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task GetKeyAuditAsync_LimitOutOfRange_Throws(int limit)
    {
        using var client = new BytezClient(new BytezClientOptions { ApiKey = "k", BaseAddress = new Uri("http://127.0.0.1:1/models/v2/") });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.Admin.GetKeyAuditAsync(limit, TestContext.Current.CancellationToken));
    }
}
