using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>One server with the tiny encoder-decoders of <see cref="Seq2SeqServer"/> per test class.</summary>
public sealed class Seq2SeqFixture : IAsyncLifetime
{
    public Seq2SeqServer Seq2Seq { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Seq2Seq = await Seq2SeqServer.StartAsync();

    public ValueTask DisposeAsync() => Seq2Seq.DisposeAsync();
}

/// <summary>
/// summarization, translation and text2text-generation through the official bytez.js client and through our SDK; the
/// expected texts come from the designs of the tiny models (see <see cref="Seq2SeqServer"/>).
/// </summary>
public sealed class Text2TextConformanceTests(Seq2SeqFixture fixture) : IClassFixture<Seq2SeqFixture>
{
    private TestServer Server => fixture.Seq2Seq.Server;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    [Theory]
    [InlineData(Seq2SeqServer.T5Summarization, "a b c d")] // the summarization prefix "m " adds the d
    [InlineData(Seq2SeqServer.T5EnDe, "a b c d")]
    [InlineData(Seq2SeqServer.T5EnFr, "a b c")]
    [InlineData(Seq2SeqServer.Trap, "b e")] // four beams by default
    public async Task JsClient_Run_ReturnsTheTextAsAString(string modelId, string expected)
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = "a" });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal(expected, result.GetProperty("output").GetString());
    }

    [Theory]
    [InlineData(Seq2SeqServer.T5Summarization)]
    [InlineData(Seq2SeqServer.Trap)]
    public async Task JsClient_Stream_ConcatenatesToTheNonStreamedText(string modelId)
    {
        var whole = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = "a" });
        var streamed = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = "a", stream = true });

        var chunks = streamed.GetProperty("chunks").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.NotEmpty(chunks);
        Assert.Equal(whole.GetProperty("output").GetString(), string.Concat(chunks));
    }

    [Fact]
    public async Task JsClient_NumReturnSequences_ListOfTexts()
    {
        var result = await OfficialJsClient.CallAsync(
            Server, "run", new { modelId = Seq2SeqServer.Trap, input = "a", @params = new { num_beams = 2, num_return_sequences = 2 } });

        Assert.Equal(["b e", "a c"], result.GetProperty("output").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task JsClient_MultilingualLanguages_Translates()
    {
        var result = await OfficialJsClient.CallAsync(
            Server, "run", new { modelId = Seq2SeqServer.Multilingual, input = "a", @params = new { src_lang = "en_XX", tgt_lang = "fr_XX" } });

        Assert.Equal("a b c d", result.GetProperty("output").GetString());
    }

    [Fact]
    public async Task JsClient_UnknownParameter_GivesTheServersMessage()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = Seq2SeqServer.T5Summarization, input = "a", @params = new { bogus = 1 } });

        Assert.Contains("Unknown parameter `bogus`", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Seq2SeqServer.T5Summarization, null, "a b c d")]
    [InlineData(Seq2SeqServer.T5Translation, null, "a b c d")]
    [InlineData(Seq2SeqServer.Trap, null, "b e")]
    [InlineData(Seq2SeqServer.Trap, 1, "a c")]
    public async Task Sdk_RunAndStream_GetText(string modelId, int? numBeams, string expected)
    {
        using var client = CreateClient();
        var model = client.Model(modelId);
        var parameters = new ModelParameters { NumBeams = numBeams };

        var run = await model.RunAsync("a", parameters, TestContext.Current.CancellationToken);
        var pieces = new List<string>();
        await foreach (var piece in model.StreamAsync("a", parameters, TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        Assert.Equal(expected, run.GetText());
        Assert.Equal(expected, string.Concat(pieces));
    }

    [Fact]
    public async Task Sdk_NumReturnSequences_GetTexts()
    {
        using var client = CreateClient();

        var run = await client.Model(Seq2SeqServer.Trap).RunAsync(
            "a", new ModelParameters { NumBeams = 2, NumReturnSequences = 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(["b e", "a c"], run.GetTexts());
    }

    [Fact]
    public async Task Sdk_ListModels_ByTask()
    {
        using var client = CreateClient();

        var result = await client.List.ModelsAsync(BytezTasks.Summarization, TestContext.Current.CancellationToken);

        var ids = result.Output!.Select(m => m.ModelId).ToList();
        Assert.Contains(Seq2SeqServer.T5Summarization, ids);
        Assert.Contains(Seq2SeqServer.BartCnn, ids);
        Assert.DoesNotContain(Seq2SeqServer.Trap, ids);
    }
}
