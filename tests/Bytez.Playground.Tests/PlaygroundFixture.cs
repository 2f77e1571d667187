using System.Collections.Concurrent;
using Bytez.Testing;
using Microsoft.Playwright;

namespace Bytez.Playground.Tests;

/// <summary>One server and one browser for the playground tests; screenshots and the report of what each test saw.</summary>
public sealed class PlaygroundFixture : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _report = new();

    /// <summary>The server.</summary>
    public PlaygroundServer Server { get; private set; } = null!;

    /// <summary>The browser.</summary>
    public Browser Browser { get; private set; } = null!;

    /// <summary>Where screenshots and the report go: the test output's <c>playground</c> folder, and docs/playground when <c>BYTEZ_UPDATE_SCREENSHOTS=1</c>.</summary>
    public static string OutputFolder { get; } = Path.Combine(AppContext.BaseDirectory, "playground");

    /// <summary>
    /// What the fake microphone says: "HI BOB" as the tiny speech model's letter tones (10 frames each, 0.2 s), after
    /// 0.3 s of silence and before 0.5 s more.
    /// </summary>
    public static float[] MicrophoneSpeech { get; } =
    [
        .. Bytez.Testing.TinyModels.CtcSpeechModel.Silence(15), .. Tones("HI"), .. Bytez.Testing.TinyModels.CtcSpeechModel.Silence(5),
        .. Bytez.Testing.TinyModels.CtcSpeechModel.Tone('|', 10), .. Tones("BOB"), .. Bytez.Testing.TinyModels.CtcSpeechModel.Silence(25),
    ];

    private static float[] Tones(string letters) =>
        [.. letters.SelectMany(c => Bytez.Testing.TinyModels.CtcSpeechModel.Tone(c, 10))];

    /// <summary>Starts the server and Chromium.</summary>
    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(OutputFolder);
        // The machine may be busy (models load on first use): wait for what a person waits for.
        Assertions.SetDefaultExpectTimeout(30_000);
        Browser = await Browser.StartAsync(Bytez.Media.Audio.WavEncoder.EncodeFloat32(MicrophoneSpeech, 16000));
        Server = await PlaygroundServer.StartAsync();
    }

    /// <summary>A new tab on the playground, with the key entered in its form (unless <paramref name="key"/> is null).</summary>
    public async Task<IPage> OpenAsync(string? key = TestServer.Key, string hash = "")
    {
        var page = await Browser.Context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var problems = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                problems.Add(m.Text);
            }
        };
        page.PageError += (_, e) => problems.Add(e);
        page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                problems.Add($"{r.Request.Method} {r.Url}: {r.Status}");
            }
        };
        Problems[page] = problems;
        await page.GotoAsync(Server.Server.BaseAddress + hash);
        if (key is not null)
        {
            await page.GetByLabel("API key").FillAsync(key);
            await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
            await Assertions.Expect(page.Locator("#key-state")).ToHaveTextAsync("Key accepted");
        }

        return page;
    }

    /// <summary>Console errors and uncaught exceptions per page (a CSP violation shows here).</summary>
    public ConcurrentDictionary<IPage, List<string>> Problems { get; } = new();

    /// <summary>Saves a screenshot of the page and a line of the report.</summary>
    public async Task ScreenshotAsync(IPage page, string name, string what, bool fullPage = false, ILocator? element = null)
    {
        var file = Path.Combine(OutputFolder, name + ".png");
        // A key's secret never goes into a picture.
        if (element is not null)
        {
            await element.ScreenshotAsync(new() { Path = file, Type = ScreenshotType.Png, Mask = [page.Locator(".secret")] });
        }
        else
        {
            await page.ScreenshotAsync(new() { Path = file, Type = ScreenshotType.Png, FullPage = fullPage, Mask = [page.Locator(".secret")] });
        }

        _report.Enqueue($"## {name}\n\n{what}\n\n![{name}]({name}.png)\n");
        if (Environment.GetEnvironmentVariable("BYTEZ_UPDATE_SCREENSHOTS") == "1" && RepositoryRoot() is { } root)
        {
            File.Copy(file, Path.Combine(root, "docs", "playground", name + ".png"), overwrite: true);
        }
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bytez.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Writes the report and stops everything.</summary>
    public async ValueTask DisposeAsync()
    {
        await File.WriteAllTextAsync(
            Path.Combine(OutputFolder, "report.md"),
            "# Playground test report\n\nWhat each test checked in Chromium, with the page it saw.\n\n" + string.Join("\n", _report.OrderBy(s => s, StringComparer.Ordinal)));
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
