using Bytez.Engine.Embedded;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;

namespace Bytez.Playground.Tests;

/// <summary>
/// A real server for the playground tests: a real embedding model (the embedded MiniLM, registered by pointer), tiny
/// real-format generation models (a GGUF llama for llama.cpp, a slower larger one for stopping a stream, an ONNX
/// decoder for ONNX Runtime), and a fake hub publishing a tiny ONNX decoder that downloads slowly enough to watch.
/// </summary>
public sealed class PlaygroundServer : IAsyncDisposable
{
    /// <summary>The embedding model.</summary>
    public const string EmbeddingModel = "local/minilm";

    /// <summary>The tiny GGUF chat model.</summary>
    public const string GgufModel = "local/tiny-gguf";

    /// <summary>The larger GGUF model whose long generations take seconds.</summary>
    public const string SlowModel = "local/slow-gguf";

    /// <summary>The tiny ONNX decoder.</summary>
    public const string OnnxModel = "local/tiny-onnx";

    /// <summary>A tiny token classifier (dslim/bert-base-NER's labels).</summary>
    public const string NerModel = "tiny/ner";

    /// <summary>A tiny extractive question-answering model.</summary>
    public const string QaModel = "tiny/qa";

    /// <summary>A tiny DETR-shaped detector (labels red, green, blue).</summary>
    public const string DetectorModel = "tiny/detector";

    /// <summary>A tiny CTC speech model that hears letters as tones.</summary>
    public const string SpeechModel = "tiny/speech";

    /// <summary>A tiny text classifier (NEGATIVE, POSITIVE: "good" adds to POSITIVE, "bad" to NEGATIVE).</summary>
    public const string TextClassifierModel = "tiny/sentiment";

    /// <summary>A tiny image classifier (red, green, blue: a picture's dominant mean colour).</summary>
    public const string ImageClassifierModel = "tiny/colours";

    /// <summary>A model folder whose GGUF header cannot be read (listed by <c>list/failed</c>).</summary>
    public const string BrokenModel = "broken/sum-overflow";

    /// <summary>A second hub repository, for cancelling a download.</summary>
    public const string HubModelToCancel = "playground-org/cancelled-decoder";

    /// <summary>The scheduler's memory budget (shown as "7.3 GB" by the instances view).</summary>
    public const long MemoryBudgetBytes = 7_300_000_000;

    /// <summary>The models the server starts with.</summary>
    public const int ModelCount = 10;

    /// <summary>The repository the fake hub publishes.</summary>
    public const string HubModel = "playground-org/tiny-decoder";

    private readonly string _root;

    private PlaygroundServer(string root, FakeHub hub, TestServer server)
    {
        _root = root;
        Hub = hub;
        Server = server;
    }

    /// <summary>The fake hub.</summary>
    public FakeHub Hub { get; }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>Writes the models, registers them, starts the hub and the server.</summary>
    public static async Task<PlaygroundServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-playground-").FullName;
        var files = Path.Combine(root, "files");
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(files, "tiny.gguf"), new GgufTinyOptions { ContextLength = 1024 });
        // Slow enough that its greedy answer to "Hello!" streams for seconds (1,024 tokens in about 10 s here): the smaller
        // one it replaced reached its end-of-sequence token after about 100 tokens, which a busy CI machine's browser
        // could miss entirely before the test looked at the first piece.
        var slow = GgufModelWriter.WriteTinyLlama(
            Path.Combine(files, "slow.gguf"),
            new GgufTinyOptions { Layers = 8, EmbeddingLength = 512, Heads = 8, KeyValueHeads = 4, FeedForwardLength = 2048, ContextLength = 4096 });
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(files, "tiny-onnx"), new OnnxDecoderModelOptions { ContextLength = 512 });
        var ner = TokenClassificationModelWriter.Write(Path.Combine(files, "ner"));
        var qa = QuestionAnsweringModelWriter.Write(Path.Combine(files, "qa"));
        var detector = ObjectDetectorModelWriter.Write(Path.Combine(files, "detector"), pixelMask: true, shortestEdge: 64, longestEdge: 128);
        var speech = CtcSpeechModelWriter.Write(Path.Combine(files, "speech"));
        var sentiment = TextClassificationModelWriter.Write(Path.Combine(files, "sentiment"));
        var colours = ImageClassifierModelWriter.Write(Path.Combine(files, "colours"), imageSize: 32);
        var minilm = EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, EmbeddedModels.MiniLM).Path;
        var models = Path.Combine(root, "models");
        foreach (var (path, id, task) in new[]
        {
            (minilm, EmbeddingModel, "feature-extraction"), (gguf.Path, GgufModel, null), (slow.Path, SlowModel, null), (onnx.Folder, OnnxModel, null),
            (ner.Folder, NerModel, "token-classification"), (qa.Folder, QaModel, "question-answering"), (detector.Folder, DetectorModel, "object-detection"),
            (speech.Folder, SpeechModel, "automatic-speech-recognition"), (sentiment.Folder, TextClassifierModel, "text-classification"),
            (colours.Folder, ImageClassifierModel, "image-classification"),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            string[] args = task is null
                ? [path, "--id", id, $"--Bytez:ModelsPath={models}"]
                : [path, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
            if (AddModelCommand.Run(args, output, error) is var code && code != 0)
            {
                throw new InvalidOperationException($"add-model {path} failed ({code}): {error}");
            }
        }

        MalformedModels.WriteGgufWithElementSumOverflow(Path.Combine(models, "broken", "sum-overflow", "model.gguf"));
        var hub = await FakeHub.StartAsync();
        hub.AddOnnxDecoder(HubModel);
        hub.AddOnnxDecoder(HubModelToCancel);
        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Hub:Endpoint"] = hub.Endpoint,
            ["Bytez:Hub:RetryDelay"] = "00:00:00.020",
            ["Bytez:Hub:MaxRetryDelay"] = "00:00:00.100",
            ["Bytez:LlamaCpp:Threads"] = "1",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
            ["Bytez:Onnx:Sessions"] = "1",
            ["Bytez:Scheduler:MemoryBudgetBytes"] = MemoryBudgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return new PlaygroundServer(root, hub, server);
    }

    /// <summary>Stops the server and the hub and deletes the models.</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Hub.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
