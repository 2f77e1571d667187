using System.Net;
using System.Text.Json.Nodes;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Server.Tests;

/// <summary>
/// An encoder-decoder requested from the (fake) hub: downloaded, recognised by the ONNX format, loaded by the seq2seq
/// loader, tried and served under the repository's pipeline tag.
/// </summary>
public sealed class Text2TextModelRequestTests
{
    /// <summary>
    /// A summarization repository with only the quantized files (as many Xenova/* ones), whose summarization entry puts
    /// the prefix "m " and one beam: the counter model answers "a b c d" to "a" (see <see cref="Seq2SeqServer"/>).
    /// </summary>
    [Fact]
    public async Task Request_QuantizedOnlySummarizationRepository_IsServedWithItsTaskAndPrefix()
    {
        await using var env = await HubTestServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("bytez-hub-seq2seq-").FullName;
        try
        {
            Write(folder, new OnnxSeq2SeqModelOptions
            {
                GenerationConfig = MarianStyleGenerationConfig(),
                TaskSpecificParams = new JsonObject { ["summarization"] = new JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 } },
            });
            foreach (var name in new[] { "encoder_model", "decoder_model_merged" })
            {
                File.Move(Path.Combine(folder, "onnx", name + ".onnx"), Path.Combine(folder, "onnx", name + "_quantized.onnx"));
            }

            var repo = env.Hub.AddFolder("test-org/tiny-summarizer", folder);
            repo.PipelineTag = "summarization";
            repo.LibraryName = "transformers.js";
            repo.ModelType = "t5";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        using var client = env.CreateClient();
        await HubTestServer.RequestAsync(client, "test-org/tiny-summarizer", cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, "test-org/tiny-summarizer", cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(final.State == ModelRequestStates.Ready, final.Error);
        Assert.Contains(final.Files, f => f.Path == "onnx/encoder_model_quantized.onnx");
        Assert.Contains(final.Files, f => f.Path == "onnx/decoder_model_merged_quantized.onnx");
        var (_, listed, _) = await GetAsync(client, "list/models?modelId=test-org/tiny-summarizer");
        Assert.Equal("summarization", Assert.Single(AssertOutput(listed).EnumerateArray()).GetProperty("task").GetString());
        var (status, body, _) = await PostAsync(client, "test-org/tiny-summarizer", """{"text": "a"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a b c d", AssertOutput(body).GetString());
    }
}
