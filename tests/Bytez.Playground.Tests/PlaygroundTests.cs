using System.Text.RegularExpressions;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bytez.Playground.Tests;

/// <summary>The playground in Chromium against the real server: what a person does with it, checked as they would.</summary>
[Collection(PlaygroundCollection.Name)]
public sealed partial class PlaygroundTests(PlaygroundFixture fixture)
{
    // The models the server starts with, and the one a test requests from the hub once it has.
    private static Regex AllModels() => new($"^({PlaygroundServer.ModelCount}|{PlaygroundServer.ModelCount + 1}) of \\1 models$");

    private async Task NoProblemsAsync(IPage page)
    {
        Assert.Empty(fixture.Problems[page]);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Catalog_ListsModelsByTaskWithSizeAndState_AndFilters()
    {
        var page = await fixture.OpenAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Models", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("p.count")).ToHaveTextAsync(AllModels());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "feature-extraction (1)" })).ToBeVisibleAsync();
        var row = page.Locator($"tr[data-model='{PlaygroundServer.EmbeddingModel}']");
        await Expect(row).ToContainTextAsync("22.7 M"); // MiniLM's parameters
        await Expect(row).ToContainTextAsync(new Regex("[0-9] (MB|GB)"));
        // Other tests may have run it (a run loads an instance).
        await Expect(row.Locator(".badge")).ToHaveTextAsync(new Regex("^(not loaded|running, 1 instance)$"));

        // A folder that could not be read is named with the reason.
        await Expect(page.Locator("section.task", new() { HasText = "Models that could not be read" })).ToContainTextAsync(PlaygroundServer.BrokenModel);

        await page.GetByLabel("Search").FillAsync("gguf");
        await Expect(page.Locator("p.count")).ToHaveTextAsync(new Regex("^2 of [0-9]+ models$"));
        await Expect(page.Locator($"tr[data-model='{PlaygroundServer.EmbeddingModel}']")).ToHaveCountAsync(0);
        await page.GetByLabel("Search").FillAsync("");
        await page.GetByLabel("Task").SelectOptionAsync("feature-extraction");
        await Expect(page.Locator("p.count")).ToHaveTextAsync(new Regex("^1 of [0-9]+ models$"));
        await page.GetByLabel("Task").SelectOptionAsync("");
        await fixture.ScreenshotAsync(page, "catalog", "The catalog: models grouped by task with parameters, memory and state; search and filters.");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Catalog_AtPhoneWidth_HasNoSidewaysScroll()
    {
        var page = await fixture.OpenAsync();
        await page.SetViewportSizeAsync(390, 800);
        await Expect(page.Locator("p.count")).ToHaveTextAsync(AllModels());
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a 390 px phone");
        await fixture.ScreenshotAsync(page, "catalog-phone", "The catalog at a phone's width (390 px): no sideways scrolling.");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Keyboard_SkipLinkAndNavigation_MoveFocusToTheContent()
    {
        var page = await fixture.OpenAsync();
        await page.ReloadAsync(); // the key stays for the tab
        await Expect(page.Locator("p.count")).ToHaveTextAsync(AllModels());
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Search")).ToBeFocusedAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Instances" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instances", Level = 1 })).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Instances" })).ToHaveAttributeAsync("aria-current", "page");
        Assert.Equal("Instances · Bytez", await page.TitleAsync());
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task WrongKey_IsRefusedWithTheServersError_AndNotKept()
    {
        var page = await fixture.OpenAsync(key: null);
        await page.GetByLabel("API key").FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(page.Locator("#key-state")).ToHaveTextAsync("Key refused: 401 Unauthorized");
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('bytez-key')"));
        await Expect(page.Locator("main")).ToContainTextAsync("Enter the server's API key");
        await fixture.ScreenshotAsync(page, "wrong-key", "A wrong key: the server's 401 is shown and the key is not kept.");
        // The key is never put in a URL.
        Assert.DoesNotContain("not-the-key", page.Url, StringComparison.Ordinal);
        await page.CloseAsync(); // the refused call logs a console error (the 401), which is expected here
    }

    [Fact]
    public async Task Embeddings_ShowTheCosineSimilarityMatrix()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.EmbeddingModel);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = PlaygroundServer.EmbeddingModel })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Embed and compare" }).ClickAsync();
        await Expect(page.Locator("#similarity")).ToContainTextAsync("3 vectors of 384 numbers");
        var cells = await page.Locator("table.matrix tbody tr td").AllInnerTextsAsync();
        Assert.Equal(9, cells.Count);
        var m = cells.Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1.0, m[0], 3);
        Assert.Equal(1.0, m[4], 3);
        Assert.Equal(m[1], m[3], 3); // symmetric
        Assert.True(m[1] > m[2] + 0.2, $"cat/kitten ({m[1]}) should be far closer than cat/stock market ({m[2]})");
        await Expect(page.Locator(".model-head .badge")).ToHaveTextAsync("running, 1 instance"); // the run loaded it
        await fixture.ScreenshotAsync(page, "model-embeddings", "An embedding model: three sentences and their cosine similarities.", fullPage: true);
        await page.GetByText("The same request as code").ClickAsync();
        await Expect(page.Locator(".snippets")).ToContainTextAsync($"/models/v2/{PlaygroundServer.EmbeddingModel}");
        await Expect(page.Locator(".snippets")).ToContainTextAsync("client.Model(\"local/minilm\")");
        await Expect(page.Locator(".snippets")).ToContainTextAsync("sdk.model(\"local/minilm\")");
        await fixture.ScreenshotAsync(page, "model-code", "The same request as curl, C# (our SDK) and bytez.js, under every model form.", element: page.Locator(".snippets"));
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Generation_StreamsTokensAsTheyArrive_AndStops()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.SlowModel);
        await Expect(page.GetByLabel("Your message")).ToBeVisibleAsync();
        await page.Locator("input[aria-label='Max new tokens (number)']").FillAsync("1024");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        var output = page.Locator("#output");
        await Expect(output).Not.ToHaveTextAsync("");
        var first = (await output.InnerTextAsync()).Length;
        await Expect(output).Not.ToHaveTextAsync(new Regex($"^[\\s\\S]{{0,{first}}}$"));  // more text arrived while it ran
        var stop = page.GetByRole(AriaRole.Button, new() { Name = "Stop" });
        await Expect(stop).ToBeEnabledAsync();
        await stop.ClickAsync();
        await Expect(page.Locator("#gen-status")).ToHaveTextAsync(new Regex("^Stopped after [0-9]+ pieces\\.$"));
        var stoppedAt = await output.InnerTextAsync();
        await Expect(stop).ToBeDisabledAsync();
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(stoppedAt, await output.InnerTextAsync()); // nothing arrives after Stop
        await fixture.ScreenshotAsync(page, "model-generation", "A chat model streaming its answer, stopped with the Stop button.", fullPage: true);
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Generation_OnnxModel_RunsToTheEnd_WithParameters()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.OnnxModel);
        await Expect(page.GetByLabel("Your message")).ToBeVisibleAsync();
        await page.Locator("input[aria-label='Max new tokens (number)']").FillAsync("8");
        await page.GetByLabel("Sample (do_sample); otherwise greedy").CheckAsync();
        await page.GetByLabel("Seed").FillAsync("7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator("#gen-status")).ToHaveTextAsync(new Regex("^Done in .* pieces streamed\\.$"));
        await Expect(page.Locator(".conversation .msg.assistant")).ToHaveCountAsync(1);
        await Expect(page.Locator(".snippets")).ToContainTextAsync("\"seed\": 7");
        await Expect(page.Locator(".snippets")).ToContainTextAsync("StreamAsync(input, parameters)");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Ner_HighlightsTheEntitiesInTheText()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.NerModel);
        await page.GetByLabel("Text").FillAsync("johnny lives in paris");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        var marks = page.Locator("#result mark");
        await Expect(marks).ToHaveCountAsync(2);
        await Expect(marks.Nth(0)).ToHaveTextAsync("johnnyPER");
        await Expect(marks.Nth(1)).ToHaveTextAsync("parisLOC");
        await Expect(page.Locator("#result p").First).ToHaveTextAsync("johnnyPER lives in parisLOC");
        await fixture.ScreenshotAsync(page, "model-ner", "Token classification: the entities highlighted in the text, with their labels.");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task QuestionAnswering_MarksTheAnswerInTheContext()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.QaModel);
        await page.GetByLabel("Question").FillAsync("what is the capital of france?");
        await page.GetByLabel("Context").FillAsync("the capital is paris, france.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(page.Locator("#result strong")).ToHaveTextAsync("paris, france");
        await Expect(page.Locator("#result mark")).ToHaveTextAsync("paris, france");
        await Expect(page.Locator("#result p").Nth(1)).ToHaveTextAsync("the capital is paris, france.");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task ObjectDetection_DrawsTheBoxesOverTheImage()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.DetectorModel);
        await page.GetByLabel("Image file").SetInputFilesAsync(new FilePayload { Name = "red.png", MimeType = "image/png", Buffer = VisionTaskServer.RedPng });
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(page.Locator("#result li").First).ToHaveTextAsync(new Regex("^red [0-9.]+ at \\(10, 7\\) – \\(30, 22\\)$"));
        var canvas = page.Locator("canvas[role=img]");
        await Expect(canvas).ToBeVisibleAsync();
        // The box's left edge (x = 10) is drawn in the box colour over the red picture; inside the box the picture shows.
        var edge = await canvas.EvaluateAsync<int[]>("c => Array.from(c.getContext('2d').getImageData(10, 19, 1, 1).data)");
        var inside = await canvas.EvaluateAsync<int[]>("c => Array.from(c.getContext('2d').getImageData(20, 19, 1, 1).data)");
        Assert.Equal([255, 59, 48], edge[..3]);
        Assert.Equal([255, 0, 0], inside[..3]);
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task SpeechRecognition_AnUploadedWav_GivesTheTranscript()
    {
        // "HI BOB" as the tiny model's letter tones.
        float[] hiBob =
        [
            .. CtcSpeechModel.Tone('H', 3), .. CtcSpeechModel.Tone('I', 3), .. CtcSpeechModel.Silence(2), .. CtcSpeechModel.Tone('|', 2),
            .. CtcSpeechModel.Tone('B', 3), .. CtcSpeechModel.Tone('O', 3), .. CtcSpeechModel.Tone('B', 3),
        ];
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.SpeechModel);
        await page.GetByLabel("Audio file").SetInputFilesAsync(new FilePayload
        {
            Name = "hi-bob.wav", MimeType = "audio/wav", Buffer = Bytez.Media.Audio.WavEncoder.EncodeFloat32(hiBob, 16000),
        });
        await Expect(page.Locator("audio[controls]")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(page.Locator("#result")).ToHaveTextAsync("HI BOB");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task SpeechRecognition_ARecordingFromTheMicrophone_GivesTheTranscript()
    {
        // Chromium's fake microphone plays "HI BOB" once from when the page opens it (PlaygroundFixture.MicrophoneSpeech).
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.SpeechModel);
        var record = page.Locator("#record");
        await Expect(record).ToHaveTextAsync("Record");
        await record.ClickAsync();
        await Expect(record).ToHaveTextAsync("Stop recording");
        var seconds = PlaygroundFixture.MicrophoneSpeech.Length / 16000.0;
        await page.WaitForTimeoutAsync((float)((seconds * 1000) + 500));
        await record.ClickAsync();
        await Expect(record).ToHaveTextAsync("Record");
        await Expect(page.Locator(".canvas-wrap audio[controls]")).ToBeVisibleAsync();
        await Expect(page.Locator(".canvas-wrap .note")).ToHaveTextAsync("recording.wav");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(page.Locator("#result")).ToHaveTextAsync("HI BOB");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task TextClassification_ShowsEveryLabelAsABar()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.TextClassifierModel);
        await page.GetByLabel("Text", new() { Exact = true }).FillAsync("the movie was good");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        // "good" adds 3 to POSITIVE and -2 to NEGATIVE: softmax gives 1 / (1 + e^-5) = 0.993 and 0.007.
        var bars = page.Locator("#result ul.bars li");
        await Expect(bars).ToHaveCountAsync(2);
        await Expect(bars.Nth(0)).ToHaveTextAsync("POSITIVE 0.993");
        await Expect(bars.Nth(1)).ToHaveTextAsync("NEGATIVE 0.007");
        await Expect(bars.Nth(0).Locator("meter")).ToHaveAttributeAsync("aria-label", "POSITIVE");
        Assert.Equal(0.9933, await bars.Nth(0).Locator("meter").EvaluateAsync<double>("m => m.value"), 3);
        Assert.Equal(0.0067, await bars.Nth(1).Locator("meter").EvaluateAsync<double>("m => m.value"), 3);
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task ImageClassification_ShowsTheLabelsOfThePicture()
    {
        var page = await fixture.OpenAsync(hash: "#/model/" + PlaygroundServer.ImageClassifierModel);
        await page.GetByLabel("Image file").SetInputFilesAsync(new FilePayload { Name = "red.png", MimeType = "image/png", Buffer = VisionTaskServer.RedPng });
        await Expect(page.Locator(".canvas-wrap img[alt='red.png']")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        // A pure red picture has logits [1, -1, -1]: red 1 / (1 + 2e^-2) = 0.787, green and blue 0.107 each.
        var bars = page.Locator("#result ul.bars li");
        await Expect(bars).ToHaveCountAsync(3);
        await Expect(bars.Nth(0)).ToHaveTextAsync("red 0.787");
        await Expect(bars.Nth(1)).ToHaveTextAsync(new Regex("^(green|blue) 0\\.107$"));
        await Expect(bars.Nth(2)).ToHaveTextAsync(new Regex("^(green|blue) 0\\.107$"));
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Instances_LoadAndShutDown()
    {
        var page = await fixture.OpenAsync(hash: "#/instances");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instances", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Model").SelectOptionAsync(PlaygroundServer.GgufModel);
        await page.Locator(".load-row button[data-action='load']").ClickAsync();
        var row = page.Locator($"table.clusters tr[data-model='{PlaygroundServer.GgufModel}']");
        await Expect(row).ToContainTextAsync("running");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");
        await Expect(page.Locator("#memory-meter")).ToBeVisibleAsync();
        await Expect(page.Locator(".memory")).ToContainTextAsync("of the 7.3 GB budget"); // from the keyed GET status
        await Expect(page.Locator("#memory-meter")).ToHaveAttributeAsync("max", PlaygroundServer.MemoryBudgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await fixture.ScreenshotAsync(page, "instances", "Instances: a loaded model with its capacity and memory against the budget; load and shut down.");

        // The catalog shows the instance.
        await page.GetByRole(AriaRole.Link, new() { Name = "Models" }).ClickAsync();
        await Expect(page.Locator($"tr[data-model='{PlaygroundServer.GgufModel}'] .badge")).ToHaveTextAsync("running, 1 instance");
        await page.GoBackAsync();

        await row.Locator("button[data-action='shut down']").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Models" }).ClickAsync();
        await Expect(page.Locator($"tr[data-model='{PlaygroundServer.GgufModel}'] .badge")).ToHaveTextAsync("not loaded");
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Requests_DownloadFromTheHub_BarReaches100()
    {
        fixture.Server.Hub.BytesPerSecond = 256 * 1024;
        var page = await fixture.OpenAsync(hash: "#/requests");
        await page.GetByLabel("Hugging Face model id").FillAsync(PlaygroundServer.HubModel);
        await page.GetByRole(AriaRole.Button, new() { Name = "Request" }).ClickAsync();
        await Expect(page.Locator("#request-msg")).ToHaveTextAsync($"{PlaygroundServer.HubModel}: Job queued");
        var job = page.Locator($"article.job[data-model='{PlaygroundServer.HubModel}']");
        var bar = job.Locator("progress");
        // Part-way: the bar moves while the bytes arrive.
        await Expect(job).ToHaveAttributeAsync("data-state", "downloading");
        await page.WaitForFunctionAsync(
            "() => { const p = document.querySelector('article.job progress'); return p && p.value > 0 && p.value < 100; }");
        await fixture.ScreenshotAsync(page, "requests", "Requests: a model downloading from the hub with its progress bar.");
        await Expect(job).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 120_000 });
        await Expect(bar).ToHaveAttributeAsync("value", "100");
        await Expect(job.Locator(".pct")).ToHaveTextAsync("100 %");
        fixture.Server.Hub.BytesPerSecond = 0;

        // The model is now in the catalog.
        await page.GetByRole(AriaRole.Link, new() { Name = "Models" }).ClickAsync();
        await Expect(page.Locator($"tr[data-model='{PlaygroundServer.HubModel}']")).ToBeVisibleAsync();
        await NoProblemsAsync(page);
    }

    [Fact]
    public async Task Requests_Cancel_ShowsTheJobFailedWithTheReason()
    {
        fixture.Server.Hub.BytesPerSecond = 32 * 1024;
        try
        {
            var page = await fixture.OpenAsync(hash: "#/requests");
            await page.GetByLabel("Hugging Face model id").FillAsync(PlaygroundServer.HubModelToCancel);
            await page.GetByLabel("Hugging Face model id").PressAsync("Enter");
            var job = page.Locator($"article.job[data-model='{PlaygroundServer.HubModelToCancel}']");
            await Expect(job).ToHaveAttributeAsync("data-state", "downloading");
            await job.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Expect(job).ToHaveAttributeAsync("data-state", "failed");
            await Expect(job.Locator(".reason")).ToHaveTextAsync("Cancelled");
            await Expect(job.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToHaveCountAsync(0);
            await NoProblemsAsync(page);
        }
        finally
        {
            fixture.Server.Hub.BytesPerSecond = 0;
        }
    }

    [Fact]
    public async Task Keys_CreateShowsTheSecretOnce_AndRevoke()
    {
        var page = await fixture.OpenAsync(hash: "#/keys");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Keys", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Name").FillAsync("playground test");
        await Expect(page.GetByLabel("run", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByLabel("models:request").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = await page.Locator(".secret").InnerTextAsync();
        Assert.False(string.IsNullOrWhiteSpace(secret));
        var row = page.Locator("tr[data-key]", new() { HasText = "playground test" });
        await Expect(row).ToContainTextAsync("run, models:request");
        await Expect(row).ToContainTextAsync("active");
        await Expect(page.GetByLabel("run", new() { Exact = true })).ToBeCheckedAsync(); // the form is ready for the next key
        Assert.DoesNotContain(secret, await page.Locator("table").InnerTextAsync(), StringComparison.Ordinal);

        // The new key works with the API.
        using (var client = fixture.Server.Server.CreateHttpClient("Key " + secret))
        {
            Assert.True((await client.GetAsync("list/models", TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        }

        await fixture.ScreenshotAsync(page, "keys", "Keys (admin): a key just created, its secret shown once, the list and the usage table when the server has one.", fullPage: true);
        page.Dialog += (_, d) => d.AcceptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke playground test" }).ClickAsync();
        await Expect(row).ToContainTextAsync("revoked");
        using (var client = fixture.Server.Server.CreateHttpClient("Key " + secret))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("list/models", TestContext.Current.CancellationToken)).StatusCode);
        }

        await page.CloseAsync(); // the usage probe may log its 404 as a console error
    }
}
