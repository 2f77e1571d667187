using Microsoft.Playwright;

namespace Bytez.Playground.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright's bundled driver: headless, no sandbox (containers), no network of its own
/// (no updates, sync or QUIC), a fresh profile per run. Playwright's own browser download is never used.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    /// <summary>Where Debian installs Chromium (package <c>chromium</c>).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private Browser(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    /// <summary>The browser context (one profile).</summary>
    public IBrowserContext Context { get; }

    /// <summary>
    /// Starts Chromium; fails with what to install when it is missing. Its microphone is a fake device that plays
    /// <paramref name="microphoneWav"/> once from when a page opens it (then silence), and pages may use it unasked.
    /// </summary>
    public static async Task<Browser> StartAsync(byte[] microphoneWav)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The playground tests need Debian's Chromium at {ChromiumPath}: install it with `apt-get install chromium` (.ci/run does). Playwright's own browser download is not used.");
        }

        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("bytez-chromium-").FullName;
        var microphone = Path.Combine(profile, "microphone.wav");
        await File.WriteAllBytesAsync(microphone, microphoneWav);
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-audio-capture={microphone}%noloop",
            ],
            ViewportSize = new ViewportSize { Width = 1100, Height = 760 },
            ColorScheme = ColorScheme.Light,
        });
        return new Browser(playwright, context, profile);
    }

    /// <summary>Closes the browser and deletes its profile.</summary>
    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // a crash reporter may still hold a file
        }
    }
}
