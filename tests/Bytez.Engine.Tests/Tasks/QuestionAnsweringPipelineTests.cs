using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// question-answering on the tiny QA design (start <c>paris</c> 8, end <c>france</c> 8) with each tokenizer family and
/// with and without token type ids: the pair encoding, the masking of the question and the softmax over [CLS] and the
/// context give the designed span and score. Server tests cover parameters, windows and errors.
/// </summary>
public sealed class QuestionAnsweringPipelineTests
{
    private static readonly QuestionAnsweringPipeline Pipeline = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, true, "paris, france")]
    [InlineData(EncoderTokenizerStyle.WordPiece, false, "paris, france")]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, false, "paris, france")]
    // Metaspace words are split at spaces only: the span grows to the whole word "france." (align_to_words).
    [InlineData(EncoderTokenizerStyle.Unigram, false, "paris, france.")]
    public async Task EveryFamily_TheDesignedSpanAndScore(EncoderTokenizerStyle style, bool tokenTypes, string answer)
    {
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder($"qa-pipeline-{style}-{tokenTypes}"), new QuestionAnsweringModelOptions { Tokenizer = style, TokenTypeIds = tokenTypes });
        var descriptor = new ModelDescriptor { Id = model.Id, Task = "question-answering", Path = model.Folder };
        using var instance = OnnxEncoderInstance.Load(descriptor, new OnnxRuntimeOptions { Sessions = 1 }, cancellationToken: Ct);

        // The question holds "france" (end logit 8): question tokens are masked out.
        var output = await RunAsync(instance, """{"question": "what is the capital of france?", "context": "the capital is paris, france."}""");

        // Softmax over [CLS] and the 7 context tokens: the capital is paris , france .
        var p = Float32Expected.Softmax(0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f)[4];
        Assert.Equal(answer, output.GetProperty("answer").GetString()!.Trim());
        Assert.Equal(15 + answer.Length, output.GetProperty("end").GetInt32());
        Assert.Equal(p * p, output.GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public void Contract_DeclaresTheParametersOfThePipeline()
    {
        Assert.Equal(["question-answering"], Pipeline.Contract.Tasks);
        Assert.Equal(["top_k", "max_answer_len", "handle_impossible_answer", "align_to_words", "max_seq_len", "doc_stride", "max_question_len"], Pipeline.Contract.ParameterNames);
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
