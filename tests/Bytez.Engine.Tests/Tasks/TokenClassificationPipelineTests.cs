using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// token-classification on the tiny NER design (john B-PER, ##ny I-PER, paris B-LOC, jor B-PER 3 / B-LOC 2.75, ##dan
/// B-ORG 3.5 / B-LOC 3, others O 5) with each tokenizer family: WordPiece words (the <c>##</c> rule), byte-level BPE and
/// Unigram (the space heuristic decides what continues a word). Server tests cover offsets and parameters; these pin
/// that every family reaches the same labels.
/// </summary>
public sealed class TokenClassificationPipelineTests
{
    private static readonly TokenClassificationPipeline Pipeline = new();

    private static readonly float Sure = Float32Expected.Softmax(5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f)[0];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece)]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe)]
    [InlineData(EncoderTokenizerStyle.Unigram)]
    public async Task NoAggregation_EveryFamily_DesignedLabelsIndexesAndVocabularyWords(EncoderTokenizerStyle style)
    {
        var (instance, model) = Load(style);
        using var _ = instance;

        var output = await RunAsync(instance, """{"text": "johnny lives in paris"}""");

        var v = model.Vocabulary;
        var items = output.EnumerateArray().ToList();
        Assert.Equal(["B-PER", "I-PER", "B-LOC"], items.Select(i => i.GetProperty("entity").GetString()));
        Assert.Equal([1, 2, 5], items.Select(i => i.GetProperty("index").GetInt32()));
        string[] words = style == EncoderTokenizerStyle.ByteLevelBpe ? ["john", v.Subword("ny"), v.Word("paris")] : [v.Word("john"), v.Subword("ny"), v.Word("paris")];
        Assert.Equal(words, items.Select(i => i.GetProperty("word").GetString()));
        Assert.All(items, i => Assert.Equal(Sure, i.GetProperty("score").GetDouble(), 2e-7));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, "first", "PER")]
    [InlineData(EncoderTokenizerStyle.WordPiece, "max", "ORG")]
    [InlineData(EncoderTokenizerStyle.WordPiece, "average", "LOC")]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, "first", "PER")]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, "max", "ORG")]
    [InlineData(EncoderTokenizerStyle.Unigram, "average", "LOC")]
    public async Task WordAggregation_EveryFamily_JoinsJorAndDanIntoJordan(EncoderTokenizerStyle style, string strategy, string expected)
    {
        var (instance, _) = Load(style);
        using var __ = instance;

        var output = await RunAsync(instance, $$$"""{"text": "mary visited jordan", "params": {"aggregation_strategy": "{{{strategy}}}"}}""");

        var groups = output.EnumerateArray().ToList();
        Assert.Equal(["PER", expected], groups.Select(g => g.GetProperty("entity_group").GetString()));
        Assert.Equal(["mary", "jordan"], groups.Select(g => g.GetProperty("word").GetString()!.Trim()));
        Assert.Equal(19, groups[1].GetProperty("end").GetInt32());
    }

    [Fact]
    public void Contract_DeclaresTheTaskAndItsAlias()
    {
        Assert.Equal(["token-classification", "ner"], Pipeline.Contract.Tasks);
        Assert.Equal(["aggregation_strategy", "ignore_labels", "stride", "grouped_entities", "ignore_subwords"], Pipeline.Contract.ParameterNames);
    }

    private static (OnnxEncoderInstance Instance, TokenClassificationModel Model) Load(EncoderTokenizerStyle style)
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"ner-pipeline-{style}"), new TokenClassificationModelOptions { Tokenizer = style });
        var descriptor = new ModelDescriptor { Id = model.Id, Task = "token-classification", Path = model.Folder };
        return (OnnxEncoderInstance.Load(descriptor, new OnnxRuntimeOptions { Sessions = 1 }, cancellationToken: Ct), model);
    }

    private static async Task<JsonElement> RunAsync(OnnxEncoderInstance instance, string json)
    {
        var request = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.RunRequest)!;
        var output = await Pipeline.RunAsync(instance, request, Ct);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            output.WriteTo(writer);
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }
}
