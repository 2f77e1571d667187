using System.ClientModel;
using System.Text.Json;
using Bytez.Testing;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses client of OpenAI 2.15.0 is marked experimental.

namespace Bytez.Conformance;

/// <summary>
/// The Responses API through the official OpenAI clients, unchanged: NuGet <c>OpenAI</c> 2.15.0 (<see cref="ResponsesClient"/>)
/// and the npm <c>openai</c> package, pointed at our server's <c>/v1</c>: plain and streamed responses, stored ones
/// read back and deleted, and conversations continued with <c>previous_response_id</c>, also after a restart.
/// </summary>
public sealed class OpenAiResponsesConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private TestServer Server => fixture.Generation.Server;

    private static ResponsesClient DotNetClient(TestServer server) =>
        new(new ApiKeyCredential(TestServer.Key), new ResponsesClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });

    private static CreateResponseOptions Request(string text, string? previous = null, int max = 6) =>
        new(GenerationServer.GgufModel, [ResponseItem.CreateUserMessageItem(text)])
        {
            MaxOutputTokenCount = max,
            Temperature = 0,
            PreviousResponseId = previous,
        };

    [Fact]
    public async Task DotNet_CreateStreamGetDelete_AsTheClientReadsThem()
    {
        var client = DotNetClient(Server);
        ResponseResult plain = await client.CreateResponseAsync(Request("Hello there"), Token);
        Assert.StartsWith("resp_", plain.Id, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(plain.GetOutputText()));
        Assert.True(plain.Usage.InputTokenCount > 0);
        Assert.InRange(plain.Usage.OutputTokenCount, 1, 6);

        var streaming = Request("Hello there");
        streaming.StreamingEnabled = true;
        var deltas = new List<string>();
        ResponseResult? completed = null;
        await foreach (var update in await client.CreateResponseStreamingAsync(streaming, Token))
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    deltas.Add(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
                case StreamingResponseIncompleteUpdate incomplete:
                    completed = incomplete.Response;
                    break;
            }
        }

        Assert.NotEmpty(deltas);
        Assert.Equal(plain.GetOutputText(), string.Concat(deltas));
        Assert.NotNull(completed);
        Assert.Equal(plain.GetOutputText(), completed.GetOutputText());

        ResponseResult read = await client.GetResponseAsync(plain.Id, Token);
        Assert.Equal(plain.GetOutputText(), read.GetOutputText());
        ResponseDeletionResult deleted = await client.DeleteResponseAsync(plain.Id, Token);
        Assert.True(deleted.Deleted);
        Assert.Equal(plain.Id, deleted.ResponseId);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(plain.Id, Token));
        Assert.Equal(404, gone.Status);
    }

    [Fact]
    public async Task DotNet_PreviousResponseId_ContinuesAfterARestart()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-responses-conformance-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
            ResponseResult first;
            await using (var before = await GenerationServer.StartAsync(settings))
            {
                first = await DotNetClient(before.Server).CreateResponseAsync(Request("Remember me"), Token);
            }

            await using var after = await GenerationServer.StartAsync(settings);
            var client = DotNetClient(after.Server);
            ResponseResult second = await client.CreateResponseAsync(Request("Who?", first.Id, 3), Token);
            Assert.Equal(first.Id, second.PreviousResponseId);

            // The same conversation sent whole gives the same prompt and (greedy) the same answer.
            var whole = new CreateResponseOptions(
                GenerationServer.GgufModel,
                [ResponseItem.CreateUserMessageItem("Remember me"), ResponseItem.CreateAssistantMessageItem(first.GetOutputText()), ResponseItem.CreateUserMessageItem("Who?")])
            {
                MaxOutputTokenCount = 3,
                Temperature = 0,
                StoredOutputEnabled = false,
            };
            ResponseResult expected = await client.CreateResponseAsync(whole, Token);
            Assert.Equal(expected.Usage.InputTokenCount, second.Usage.InputTokenCount);
            Assert.Equal(expected.GetOutputText(), second.GetOutputText());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task JsClient_CreateStreamAndContinue()
    {
        var request = new { model = GenerationServer.GgufModel, input = "Hello there", max_output_tokens = 6, temperature = 0 };
        var plain = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "create", request));
        var text = plain.GetProperty("output_text").GetString();
        Assert.False(string.IsNullOrEmpty(text));

        var streamed = await OfficialJsClient.CallOpenAiResponsesAsync(Server, "stream", request);
        var types = streamed.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal("response.created", types[0]);
        Assert.Contains("response.output_text.delta", types);
        Assert.Equal(text, streamed.GetProperty("text").GetString());
        Assert.Equal(text, streamed.GetProperty("final").GetProperty("output_text").GetString());

        var id = plain.GetProperty("id").GetString();
        var next = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "create", new
        {
            model = GenerationServer.GgufModel, input = "And then?", max_output_tokens = 3, previous_response_id = id,
        }));
        Assert.Equal(id, next.GetProperty("previous_response_id").GetString());
        Assert.True(next.GetProperty("usage").GetProperty("input_tokens").GetInt32() > plain.GetProperty("usage").GetProperty("input_tokens").GetInt32());

        var read = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "retrieve", new { id }));
        Assert.Equal(text, read.GetProperty("output_text").GetString());
        await OfficialJsClient.CallOpenAiResponsesAsync(Server, "delete", new { id });
        var gone = await OfficialJsClient.CallOpenAiResponsesAsync(Server, "retrieve", new { id });
        Assert.True(gone.TryGetProperty("error", out var error), gone.GetRawText());
        Assert.Equal(404, error.GetProperty("status").GetInt32());
    }

    /// <summary>What the JS client answered, failing with what it said when it threw.</summary>
    private static JsonElement Ok(JsonElement result)
    {
        Assert.True(result.TryGetProperty("ok", out var ok), result.GetRawText());
        return ok;
    }
}
