using System.Net;
using Bytez.Server.Playground;
using Bytez.Testing;

namespace Bytez.Playground.Tests;

/// <summary>How the server sends the playground's files: embedded, with a strict policy, ETags, and a small first page.</summary>
[Collection(PlaygroundCollection.Name)]
public sealed class PlaygroundAssetTests(PlaygroundFixture fixture)
{
    [Fact]
    public async Task Root_IsThePage_WithStrictPolicy_AndETagRevalidation()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.Server.BaseAddress };
        var ct = TestContext.Current.CancellationToken;
        using var page = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("<script type=\"module\" src=\"/playground/app.js\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal); // nothing from elsewhere

        using var again = new HttpRequestMessage(HttpMethod.Get, "/playground/app.js");
        using var first = await client.GetAsync("/playground/app.js", ct);
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var revalidated = await client.SendAsync(again, ct);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Equal("text/javascript", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());

        using var missing = await client.GetAsync("/playground/nothing.js", ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task FirstPage_LoadsLessThan100KBOfScript()
    {
        // What the first page (the catalog) loads: the shell's modules and the catalog's static imports.
        using var client = new HttpClient { BaseAddress = fixture.Server.Server.BaseAddress };
        long total = 0;
        foreach (var file in new[] { "app.js", "api.js", "ui.js", "catalog.js" })
        {
            total += (await client.GetByteArrayAsync("/playground/" + file, TestContext.Current.CancellationToken)).Length;
        }

        Assert.True(total < 100_000, $"the first page loads {total} bytes of script");
        var all = PlaygroundPages.FileNames.Where(f => f.EndsWith(".js", StringComparison.Ordinal)).ToList();
        Assert.Contains("model.js", all);
    }

    [Fact]
    public async Task Page_IsStatic_AndTheMemoryBudgetNeedsTheKey()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.Server.BaseAddress };
        var html = await anonymous.GetStringAsync("/", ct);
        var budget = PlaygroundServer.MemoryBudgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.DoesNotContain(budget, html, StringComparison.Ordinal);
        Assert.DoesNotContain("budget", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            System.Text.Encoding.UTF8.GetBytes(html),
            await anonymous.GetByteArrayAsync("/", ct)); // the same bytes every time: nothing rendered per request

        using var noKey = fixture.Server.Server.CreateHttpClient(authorization: null);
        using var refused = await noKey.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(budget, await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        using var client = fixture.Server.Server.CreateHttpClient();
        using var status = await client.GetAsync("status", ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await status.Content.ReadAsStringAsync(ct));
        var output = json.RootElement.GetProperty("output");
        Assert.Equal(PlaygroundServer.MemoryBudgetBytes, output.GetProperty("memoryBudget").GetInt64());
        Assert.InRange(output.GetProperty("memoryUsed").GetInt64(), 0, PlaygroundServer.MemoryBudgetBytes);
    }

    [Fact]
    public async Task Api_StillNeedsTheKey()
    {
        using var client = fixture.Server.Server.CreateHttpClient(authorization: null);
        using var answer = await client.GetAsync("list/models", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
    }
}
