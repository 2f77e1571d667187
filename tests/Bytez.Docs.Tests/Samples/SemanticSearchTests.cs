using Bytez.Samples;

namespace Bytez.Docs.Tests.Samples;

[Collection(SamplesCollection.Name)]
public sealed class SemanticSearchTests(SamplesFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-search-").FullName;

    [Fact]
    public async Task RunAsync_QueriesAboutACatAndTheWeather_RankTheMatchingFileFirst()
    {
        File.WriteAllText(Path.Combine(_folder, "cats.txt"), "Cats are small furry pets. A kitten purrs when it is happy and likes to sleep on the sofa.");
        File.WriteAllText(Path.Combine(_folder, "markets.txt"), "Stock markets fell today as investors sold shares of banks and the dollar rose.");
        File.WriteAllText(Path.Combine(_folder, "weather.txt"), "Heavy rain and thunderstorms are expected tomorrow; take an umbrella.");
        File.WriteAllText(Path.Combine(_folder, "notes.md"), "Not a text file: ignored.");
        using var client = fixture.CreateClient();
        using var output = new StringWriter();

        await SemanticSearch.RunAsync(client, _folder, new StringReader("my kitty is purring\nwill it rain tomorrow?\n\nnever read\n"), output,
            cancellationToken: TestContext.Current.CancellationToken);

        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.StartsWith("Indexed 3 files with sentence-transformers/all-MiniLM-L6-v2.", lines[0], StringComparison.Ordinal);
        Assert.Equal("> my kitty is purring", lines[1]);
        Assert.StartsWith("1. cats.txt (", lines[2], StringComparison.Ordinal);
        Assert.Equal("> will it rain tomorrow?", lines[5]);
        Assert.StartsWith("1. weather.txt (", lines[6], StringComparison.Ordinal);
        Assert.DoesNotContain("never read", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cosine_SameAndOrthogonalVectors_AreOneAndZero()
    {
        Assert.Equal(1.0, SemanticSearch.Cosine([1f, 2f, 3f], [2f, 4f, 6f]), 6);
        Assert.Equal(0.0, SemanticSearch.Cosine([1f, 0f], [0f, 5f]), 6);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
