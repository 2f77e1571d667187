using Bytez.Testing;
using Bytez.Testing.TinyModels;
using Microsoft.Extensions.AI;

namespace Bytez.Conformance;

/// <summary>
/// The SDK's <see cref="ISpeechToTextClient"/> against our server on the tiny CTC model and the tiny Whisper
/// (<see cref="AudioTaskConformanceTests"/> describes their designs): the transcripts are the run route's, and the
/// speech and text languages reach Whisper as <c>generate_kwargs</c>.
/// </summary>
public sealed class SpeechToTextConformanceTests(AudioTaskConformanceTests.Fixture fixture) : IClassFixture<AudioTaskConformanceTests.Fixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task GetTextAsync_Ctc_HiBob_AsTheRunRoute()
    {
        using var client = CreateClient();
        var model = client.Model(AudioTaskConformanceTests.Speech);
        var wav = AudioTaskConformanceTests.Wav(AudioTaskConformanceTests.HiBob);

        var response = await model.AsISpeechToTextClient().GetTextAsync(new MemoryStream(wav), cancellationToken: Ct);
        var route = await model.RunAsync(BytezMedia.FromBytes(wav, "audio/wav"), cancellationToken: Ct);

        Assert.Equal("HI BOB", response.Text);
        Assert.Equal(route.GetText(), response.Text);
        Assert.Equal(AudioTaskConformanceTests.Speech, response.ModelId);
    }

    [Fact]
    public async Task GetTextAsync_Whisper_DetectsFrench_OrTranslatesWithTheLanguages()
    {
        using var client = CreateClient();
        var speech = client.Model(AudioTaskConformanceTests.Whisper).AsISpeechToTextClient();
        var wav = AudioTaskConformanceTests.Wav(WhisperModelWriter.HighTone(2));

        var french = await speech.GetTextAsync(new MemoryStream(wav), cancellationToken: Ct);
        var translated = await speech.GetTextAsync(new MemoryStream(wav), new SpeechToTextOptions { SpeechLanguage = "fr-FR", TextLanguage = "en" }, Ct);

        Assert.Equal(" bonjour monde", french.Text);
        Assert.Equal(" hello world", translated.Text);
    }

    [Fact]
    public async Task GetStreamingTextAsync_Whisper_OneUpdateWithTheTranscript_TimestampsWhenAsked()
    {
        using var client = CreateClient();
        var speech = client.Model(AudioTaskConformanceTests.Whisper).AsISpeechToTextClient();
        var wav = AudioTaskConformanceTests.Wav(WhisperModelWriter.LowTone(1));
        var options = new SpeechToTextOptions { AdditionalProperties = new() { ["return_timestamps"] = true } };

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in speech.GetStreamingTextAsync(new MemoryStream(wav), options, Ct))
        {
            updates.Add(update);
        }

        var folded = updates.ToSpeechToTextResponse();
        Assert.Equal(" hello world", folded.Text);
        Assert.Equal(TimeSpan.Zero, folded.StartTime);
        Assert.Equal(TimeSpan.FromSeconds(0.4), folded.EndTime);
    }

    [Fact]
    public async Task GetTextAsync_LanguageForCtc_IsTheServers400()
    {
        using var client = CreateClient();
        var speech = client.Model(AudioTaskConformanceTests.Speech).AsISpeechToTextClient();

        var error = await Assert.ThrowsAsync<BytezException>(() => speech.GetTextAsync(
            new MemoryStream(AudioTaskConformanceTests.Wav(AudioTaskConformanceTests.HiBob)), new SpeechToTextOptions { SpeechLanguage = "en" }, Ct));

        Assert.Equal(400, (int?)error.StatusCode);
    }
}
