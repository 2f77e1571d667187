using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The v1-era official client, bytez.js 0.4.2 from npm (unchanged; it calls https://api.bytez.com/, which the harness
/// points at our server), against the legacy <c>/model/*</c> routes: lists, load / status / run / stop.
/// </summary>
public sealed class LegacyJsClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task ListModelsAll_ReturnsABareArrayWithModelIdAndRam()
    {
        var list = await OfficialJsClient.CallV0Async(Server, "listAll");

        Assert.Equal(JsonValueKind.Array, list.ValueKind);
        Assert.Contains(list.EnumerateArray(), m => m.GetProperty("modelId").GetString() == Models.MiniLm);
        Assert.All(list.EnumerateArray(), m => Assert.True(m.GetProperty("ramRequired").GetDouble() > 0));
    }

    [Fact]
    public async Task ListModelsByTask_ReturnsOnlyThatTask()
    {
        var list = await OfficialJsClient.CallV0Async(Server, "byTask", new { task = "feature-extraction" });

        Assert.NotEmpty(list.EnumerateArray());
        Assert.All(list.EnumerateArray(), m => Assert.Equal("feature-extraction", m.GetProperty("task").GetString()));
    }

    [Fact]
    public async Task Lifecycle_LoadStatusRunStop_FollowsTheV1States()
    {
        var modelId = Models.ArcticXs;
        var loaded = await OfficialJsClient.CallV0Async(Server, "load", new { modelId, options = new { concurrency = 1, timeout = 120 } });
        Assert.Equal("RUNNING", loaded.GetProperty("status").GetString());
        Assert.Equal(120, loaded.GetProperty("expirationPeriodSeconds").GetInt32());

        var again = await OfficialJsClient.CallV0Async(Server, "start", new { modelId });
        Assert.Contains("already loaded", again.GetProperty("error").GetString(), StringComparison.Ordinal);

        var instances = await OfficialJsClient.CallV0Async(Server, "instances");
        Assert.Contains(instances.EnumerateArray(), i => i.GetProperty("model").GetString() == modelId && i.GetProperty("status").GetString() == "RUNNING");

        var run = await OfficialJsClient.CallV0Async(Server, "run", new { modelId, input = "what is snowflake?" });
        Assert.Equal(384, run.GetProperty("output").GetArrayLength());

        var status = await OfficialJsClient.CallV0Async(Server, "status", new { modelId });
        Assert.Equal(1, status.GetProperty("inferences").GetInt32());

        await OfficialJsClient.CallV0Async(Server, "stop", new { modelId });
        var stopped = await OfficialJsClient.CallV0Async(Server, "status", new { modelId });
        Assert.False(stopped.TryGetProperty("status", out var s) && s.GetString() == "RUNNING");
    }

    [Fact]
    public async Task Run_WithoutLoad_ColdStartsAndAnswers()
    {
        var run = await OfficialJsClient.CallV0Async(Server, "run", new { modelId = Models.MiniLm, input = "cold start" });

        Assert.Equal(384, run.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public async Task AnyCall_WithBadKey_GivesTheError()
    {
        var status = await OfficialJsClient.CallV0Async(Server, "status", new { modelId = Models.MiniLm }, key: "wrong");

        Assert.Equal("Unauthorized", status.GetProperty("error").GetString());
    }
}

/// <summary>bytez.js 0.4.2 running and streaming text generation through the v1 routes.</summary>
public sealed class LegacyJsClientGenerationTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    [Theory]
    [InlineData(GenerationServer.GgufModel)]
    [InlineData(GenerationServer.OnnxModel)]
    public async Task Run_TextGeneration_AnswersGeneratedTextAndStreams(string modelId)
    {
        var server = fixture.Generation.Server;
        var options = new { max_new_tokens = 6, min_new_tokens = 6, do_sample = true, seed = 5 };
        var run = await OfficialJsClient.CallV0Async(server, "run", new { modelId, input = "Jack and Jill", options });
        var streamed = await OfficialJsClient.CallV0Async(server, "run", new { modelId, input = "Jack and Jill", options = new { stream = true, options.max_new_tokens, options.min_new_tokens, options.do_sample, options.seed } });

        var text = run.GetProperty("output")[0].GetProperty("generated_text").GetString()!;
        Assert.StartsWith("Jack and Jill", text, StringComparison.Ordinal);
        Assert.Equal(text, string.Concat(streamed.GetProperty("chunks").EnumerateArray().Select(c => c.GetString())));
    }

    [Fact]
    public async Task Run_Chat_AnswersTheConversationWithTheAssistantTurn()
    {
        var messages = new[] { new { role = "user", content = "Hi" } };
        var run = await OfficialJsClient.CallV0Async(fixture.Generation.Server, "run", new { modelId = GenerationServer.GgufModel, input = messages, options = new { max_new_tokens = 4 } });

        var conversation = run.GetProperty("output")[0].GetProperty("generated_text");
        Assert.Equal(2, conversation.GetArrayLength());
        Assert.Equal("assistant", conversation[1].GetProperty("role").GetString());
    }
}
