using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server that serves tiny token-classification and question-answering models in the Optimum layout, written at
/// test time (<see cref="TokenClassificationModelWriter"/>, <see cref="QuestionAnsweringModelWriter"/>) and registered
/// from local folders with the server's own <c>add-model</c> command. Their answers are known from their designs.
/// </summary>
public sealed class EncoderTaskServer : IAsyncDisposable
{
    /// <summary>The default NER design (john/##ny/mary PER, paris LOC, jor ##dan split), as token-classification.</summary>
    public const string Ner = "tiny/ner";

    /// <summary>The same folder as <see cref="Ner"/>, registered under the alias task <c>ner</c>.</summary>
    public const string NerAlias = "tiny/ner-alias";

    /// <summary>The default NER design with a maximum length of 8 tokens (long texts need windows).</summary>
    public const string ShortNer = "tiny/ner-short";

    /// <summary>The default QA design: start <c>paris</c> 8, end <c>france</c> 8 (and <c>lon</c>/<c>##don</c> 4).</summary>
    public const string Qa = "tiny/qa";

    /// <summary>A QA design with ranked answers: start <c>paris</c> 8, <c>lon</c> 5; end <c>france</c> 8, <c>lon</c> 5.</summary>
    public const string RankedQa = "tiny/qa-ranked";

    /// <summary>The default QA design with a CLS logit of 10, so that "no answer" wins when it may.</summary>
    public const string ImpossibleQa = "tiny/qa-impossible";

    private readonly string _root;

    private EncoderTaskServer(string root, TestServer server, TokenClassificationModel ner, QuestionAnsweringModel qa, QuestionAnsweringModel ranked, QuestionAnsweringModel impossible)
    {
        _root = root;
        Server = server;
        NerModel = ner;
        QaModel = qa;
        RankedQaModel = ranked;
        ImpossibleQaModel = impossible;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>The design of <see cref="Ner"/> (and of <see cref="ShortNer"/>, which differs only in length).</summary>
    public TokenClassificationModel NerModel { get; }

    /// <summary>The design of <see cref="Qa"/>.</summary>
    public QuestionAnsweringModel QaModel { get; }

    /// <summary>The design of <see cref="RankedQa"/>.</summary>
    public QuestionAnsweringModel RankedQaModel { get; }

    /// <summary>The design of <see cref="ImpossibleQa"/>.</summary>
    public QuestionAnsweringModel ImpossibleQaModel { get; }

    /// <summary>Writes the models, registers them and starts the server.</summary>
    public static async Task<EncoderTaskServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-encoder-tasks-").FullName;
        var files = Path.Combine(root, "files");
        var ner = TokenClassificationModelWriter.Write(Path.Combine(files, "ner"));
        var shortNer = TokenClassificationModelWriter.Write(Path.Combine(files, "ner-short"), new TokenClassificationModelOptions { MaxPositions = 8 });
        var qa = QuestionAnsweringModelWriter.Write(Path.Combine(files, "qa"));
        var ranked = QuestionAnsweringModelWriter.Write(Path.Combine(files, "qa-ranked"), new QuestionAnsweringModelOptions
        {
            Start = new Dictionary<string, float> { ["paris"] = 8f, ["lon"] = 5f },
            End = new Dictionary<string, float> { ["france"] = 8f, ["lon"] = 5f },
        });
        var impossible = QuestionAnsweringModelWriter.Write(Path.Combine(files, "qa-impossible"), new QuestionAnsweringModelOptions { ClsLogit = 10f });
        var models = Path.Combine(root, "models");
        foreach (var (folder, id, task) in new[]
        {
            (ner.Folder, Ner, "token-classification"), (ner.Folder, NerAlias, "ner"), (shortNer.Folder, ShortNer, "token-classification"),
            (qa.Folder, Qa, "question-answering"), (ranked.Folder, RankedQa, "question-answering"), (impossible.Folder, ImpossibleQa, "question-answering"),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {folder} as {task} failed ({code}): {error}");
            }
        }

        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "2",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        }).ConfigureAwait(false);
        return new EncoderTaskServer(root, server, ner, qa, ranked, impossible);
    }

    /// <summary>Stops the server and deletes the models.</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
