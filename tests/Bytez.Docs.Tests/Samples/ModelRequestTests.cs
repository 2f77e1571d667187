using Bytez.Samples;
using Bytez.Testing.Hub;

namespace Bytez.Docs.Tests.Samples;

[Collection(SamplesCollection.Name)]
public sealed class ModelRequestTests(SamplesFixture fixture)
{
    [Fact]
    public async Task RunAsync_ModelOnTheHub_ReportsProgressAndReadyThenRunsTheModel()
    {
        fixture.Docs.Hub.Hub.AddOnnxDecoder("samples/tiny-chat");
        using var client = fixture.CreateClient();
        using var output = new StringWriter();

        await ModelRequest.RunAsync(client, "samples/tiny-chat", "Name three colours.", output, TestContext.Current.CancellationToken);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Requesting samples/tiny-chat...", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains("ready", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Ready: samples/tiny-chat (chat, ", StringComparison.Ordinal) && l.EndsWith(" GB of RAM)", StringComparison.Ordinal));
        Assert.StartsWith("samples/tiny-chat answered: ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelNotOnTheHub_ThrowsWithTheJobsReason()
    {
        using var client = fixture.CreateClient();

        var error = await Assert.ThrowsAsync<BytezException>(() =>
            ModelRequest.RunAsync(client, "samples/not-on-the-hub", "Hi", TextWriter.Null, TestContext.Current.CancellationToken));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Contains("samples/not-on-the-hub", error.Message, StringComparison.Ordinal);
    }
}
