using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Engine.Tests;

public sealed class EmbeddingPipelineTests(LoadedModels models)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly EmbeddingPipeline _pipeline = new();

    [Fact]
    public void Tasks_Pipeline_ServesFeatureExtractionAndSentenceSimilarity()
        => Assert.Equal(["feature-extraction", "sentence-similarity"], _pipeline.Contract.Tasks);

    [Fact]
    public async Task RunAsync_InputString_ReturnsOneVector()
    {
        var fake = new FakeEmbedder();

        var output = await _pipeline.RunAsync(fake, Request("""{"input": "hello"}"""), Ct);

        var vector = Assert.IsType<EmbeddingOutput>(output).Vector;
        Assert.Equal(FakeEmbedder.Vector("hello"), vector);
        Assert.Equal(["hello"], fake.Calls.Single());
    }

    [Fact]
    public async Task RunAsync_TextField_ReturnsOneVector()
    {
        var output = await _pipeline.RunAsync(new FakeEmbedder(), Request("""{"text": "hi"}"""), Ct);

        Assert.Equal(FakeEmbedder.Vector("hi"), Assert.IsType<EmbeddingOutput>(output).Vector);
    }

    [Fact]
    public async Task RunAsync_InputList_ReturnsVectorsInOrder()
    {
        var output = await _pipeline.RunAsync(new FakeEmbedder(), Request("""{"input": ["a", "bbb", ""]}"""), Ct);

        var vectors = Assert.IsType<EmbeddingsOutput>(output).Vectors;
        Assert.Equal([FakeEmbedder.Vector("a"), FakeEmbedder.Vector("bbb"), FakeEmbedder.Vector(string.Empty)], vectors);
    }

    [Fact]
    public async Task RunAsync_InputObjectWithText_AcceptsStringAndList()
    {
        var one = await _pipeline.RunAsync(new FakeEmbedder(), Request("""{"input": {"text": "a"}}"""), Ct);
        var many = await _pipeline.RunAsync(new FakeEmbedder(), Request("""{"input": {"text": ["a", "b"]}}"""), Ct);

        Assert.IsType<EmbeddingOutput>(one);
        Assert.Equal(2, Assert.IsType<EmbeddingsOutput>(many).Vectors.Length);
    }

    [Fact]
    public async Task RunAsync_Params_ReachTheInstance()
    {
        var fake = new FakeEmbedder();

        await _pipeline.RunAsync(
            fake, Request("""{"input": "a", "params": {"normalize": false, "prompt_name": "query", "truncate": false, "prompt": "p: "}}"""), Ct);

        Assert.Equal(new EmbeddingOptions { Normalize = false, PromptName = "query", Truncate = false, Prompt = "p: ", MaxTotalTokens = new RequestLimitsOptions().MaxInputTokens }, fake.Options.Single());
    }

    [Theory]
    [InlineData("""{}""", "got nothing")]
    [InlineData("""{"input": 42}""", "expects `input` (or `text`) as a string or a list of strings; got a number")]
    [InlineData("""{"input": true}""", "got a boolean")]
    [InlineData("""{"input": []}""", "non-empty list")]
    [InlineData("""{"input": ["a", 3]}""", "item 1 is a number")]
    [InlineData("""{"input": {"foo": "a"}}""", "neither `text` nor `source_sentence`")]
    [InlineData("""{"input": {"text": {"text": "a"}}}""", "got an object")]
    [InlineData("""{"input": {"source_sentence": 1, "sentences": ["a"]}}""", "`source_sentence` as a string")]
    [InlineData("""{"input": {"source_sentence": "a"}}""", "`sentences`")]
    [InlineData("""{"input": {"source_sentence": "a", "sentences": []}}""", "non-empty list")]
    [InlineData("""{"input": "a", "params": {"top_k": 3}}""", "Unknown parameter `top_k` for feature-extraction; supported parameters: normalize, prompt, prompt_name, truncate")]
    [InlineData("""{"input": "a", "params": {"normalize": "yes"}}""", "`normalize` must be true or false; got a string")]
    [InlineData("""{"input": "a", "params": {"prompt": 1}}""", "`prompt` must be a string")]
    [InlineData("""{"input": "a", "params": {"prompt_name": "passage"}}""", "'passage' is unknown; the model test/fake defines: query")]
    [InlineData("""{"input": "a", "params": [1]}""", "`params` must be an object; got a list")]
    public async Task RunAsync_BadInput_ThrowsBadInputSayingWhatWasExpected(string body, string expected)
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(new FakeEmbedder(), Request(body), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TooManyTexts_ThrowsTooLargeNamingLimit()
    {
        var body = JsonSerializer.Serialize(new { input = Enumerable.Repeat("a", new RequestLimitsOptions().MaxItems + 1) });

        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(new FakeEmbedder(), Request(body), Ct));

        Assert.Equal(EngineErrorKind.TooLarge, e.Kind);
        Assert.Contains("at most 256", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Requests:MaxItems", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NotAnEmbeddingInstance_ThrowsNotSupported()
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(new PlainInstance(), Request("""{"input": "a"}"""), Ct));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public async Task RunAsync_SourceSentence_ReturnsCosineScoresOfRealModel()
    {
        const string body = """
            {"input": {"source_sentence": "The weather is lovely today.", "sentences": ["It's so sunny outside!", "He drove to the stadium."]}}
            """;

        var output = await _pipeline.RunAsync(models.MiniLM, Request(body), Ct);

        var scores = Assert.IsType<ScoresOutput>(output).Scores;
        Assert.Equal(2, scores.Length);
        Assert.Equal(0.6660, scores[0], 4e-4); // published 0.6660 / 0.1046 (sbert.net quickstart)
        Assert.Equal(0.1046, scores[1], 4e-4);
    }

    [Fact]
    public async Task RunAsync_SourceSentenceWithNormalizeFalse_ScoresAreStillCosine()
    {
        const string body = """
            {"input": {"source_sentence": "The weather is lovely today.", "sentences": ["It's so sunny outside!"]}, "params": {"normalize": false}}
            """;

        var output = await _pipeline.RunAsync(models.MiniLM, Request(body), Ct);

        Assert.Equal(0.6660, Assert.IsType<ScoresOutput>(output).Scores[0], 4e-4);
    }

    [Fact]
    public async Task RunAsync_TruncateFalseAndTooLong_ThrowsBadInputNamingLimit()
    {
        var body = JsonSerializer.Serialize(new { input = string.Join(' ', Enumerable.Repeat("word", 600)), @params = new { truncate = false } });

        var e = await Assert.ThrowsAsync<EngineException>(async () => await _pipeline.RunAsync(models.ArcticXs, Request(body), Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("512", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Output_WritesJsonArrays()
    {
        var output = await _pipeline.RunAsync(new FakeEmbedder(), Request("""{"input": ["ab"]}"""), Ct);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            output.WriteTo(writer);
        }

        Assert.Equal("[[2,1]]", System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static RunRequest Request(string json) => JsonSerializer.Deserialize<RunRequest>(json)!;

    private sealed class FakeEmbedder : IEmbeddingInstance
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public List<EmbeddingOptions> Options { get; } = [];

        public ModelDescriptor Model { get; } = new() { Id = "test/fake", Task = "feature-extraction", Path = "/nowhere" };

        public int Dimensions => 2;

        public int MaxSequenceLength => 16;

        public IReadOnlyCollection<string> PromptNames { get; } = ["query"];

        public static float[] Vector(string text) => [text.Length, 1];

        public ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingOptions options, CancellationToken cancellationToken)
        {
            Calls.Add(texts.ToArray());
            Options.Add(options);
            return ValueTask.FromResult(texts.Select(Vector).ToArray());
        }

        public int CountTokens(IReadOnlyList<string> texts, EmbeddingOptions options) => texts.Sum(t => t.Length);

        public void Dispose()
        {
        }
    }

    private sealed class PlainInstance : IModelInstance
    {
        public ModelDescriptor Model { get; } = new() { Id = "test/plain", Task = "text-generation", Path = "/nowhere" };

        public void Dispose()
        {
        }
    }
}
