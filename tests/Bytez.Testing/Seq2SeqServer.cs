using System.Text.Json.Nodes;
using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Testing;

/// <summary>
/// A real server that serves tiny ONNX encoder-decoders (<see cref="OnnxSeq2SeqModelWriter"/>) under the
/// summarization, translation and text2text-generation tasks, written at test time and registered with the server's own
/// <c>add-model</c> command (some without a task, so that the format names it). What each answers follows from its design:
/// <list type="bullet">
/// <item>the counter model (<see cref="T5"/> and its task ids, <see cref="BartCnn"/>; a Marian-style generation config
/// makes &lt;pad&gt; a bad word) answers "a b c" greedily, "a b c d" when an <c>m</c> is in the source (each m adds 7 to
/// d, which then beats the end token's 10 after c). Its <c>task_specific_params</c> are T5's kind: summarization and
/// translation_en_to_de put the prefix "m " and one beam, translation_en_to_fr one beam and no prefix;</item>
/// <item>the trap model (<see cref="Trap"/>): start → a 0.6 / b 0.4, a → c 0.55 / d 0.45, b → e 0.99 / f 0.01, then the
/// end: greedy search gives "a c" (p 0.33), beam search "b e" (p 0.396), and with two beams and two sequences
/// ["b e", "a c"];</item>
/// <item>the multilingual model (<see cref="Multilingual"/>): the counter model with an mBART-50 tokenizer whose tokens k
/// and l are the special language tokens en_XX and fr_XX; fr_XX leads to a as the start token does, and en_XX in the
/// source adds 7 to d as m does, so src_lang en_XX with tgt_lang fr_XX gives "a b c d".</item>
/// </list>
/// </summary>
public sealed class Seq2SeqServer : IAsyncDisposable
{
    /// <summary>The counter model added without a task (T5's mixed task_specific_params: text2text-generation).</summary>
    public const string T5 = "tiny/t5";

    /// <summary>The counter model as summarization.</summary>
    public const string T5Summarization = "tiny/t5-summarization";

    /// <summary>The counter model as translation (its first translation_* entry applies: en_to_de).</summary>
    public const string T5Translation = "tiny/t5-translation";

    /// <summary>The counter model as translation_en_to_de.</summary>
    public const string T5EnDe = "tiny/t5-en-de";

    /// <summary>The counter model as translation_en_to_fr.</summary>
    public const string T5EnFr = "tiny/t5-en-fr";

    /// <summary>The trap model added without a task (no task_specific_params: text2text-generation).</summary>
    public const string Trap = "tiny/trap";

    /// <summary>The counter model with BART's configuration and a summarization entry only, added without a task.</summary>
    public const string BartCnn = "tiny/bart-cnn";

    /// <summary>The multilingual model as translation.</summary>
    public const string Multilingual = "tiny/mbart50";

    private readonly string _root;

    private Seq2SeqServer(string root, TestServer server)
    {
        _root = root;
        Server = server;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>Writes the models, registers them and starts the server.</summary>
    public static async Task<Seq2SeqServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-seq2seq-server-").FullName;
        var models = Path.Combine(root, "models");
        var t5 = Write(Path.Combine(root, "files", "t5"), new OnnxSeq2SeqModelOptions
        {
            GenerationConfig = MarianStyleGenerationConfig(),
            TaskSpecificParams = new JsonObject
            {
                ["summarization"] = new JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 },
                ["translation_en_to_de"] = new JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 },
                ["translation_en_to_fr"] = new JsonObject { ["num_beams"] = 1 },
            },
        });
        var trap = Write(Path.Combine(root, "files", "trap"), new OnnxSeq2SeqModelOptions
        {
            Table = Table(
                ("<pad>", "a", MathF.Log(0.6f)), ("<pad>", "b", MathF.Log(0.4f)),
                ("a", "c", MathF.Log(0.55f)), ("a", "d", MathF.Log(0.45f)),
                ("b", "e", MathF.Log(0.99f)), ("b", "f", MathF.Log(0.01f)),
                ("c", "</s>", 0), ("d", "</s>", 0), ("e", "</s>", 0), ("f", "</s>", 0)),
            SourceBias = Bias(),
        });
        var bart = Write(Path.Combine(root, "files", "bart"), new OnnxSeq2SeqModelOptions
        {
            BartConfig = true,
            GenerationConfig = MarianStyleGenerationConfig(),
            TaskSpecificParams = new JsonObject { ["summarization"] = new JsonObject { ["num_beams"] = 1, ["no_repeat_ngram_size"] = 3 } },
        });
        var multilingual = WriteMultilingual(Path.Combine(root, "files", "mbart50"));
        foreach (var (folder, id, task) in new (string, string, string?)[]
        {
            (t5.Folder, T5, null), (t5.Folder, T5Summarization, "summarization"), (t5.Folder, T5Translation, "translation"),
            (t5.Folder, T5EnDe, "translation_en_to_de"), (t5.Folder, T5EnFr, "translation_en_to_fr"),
            (trap.Folder, Trap, null), (bart.Folder, BartCnn, null), (multilingual, Multilingual, "translation"),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            string[] args = task is null
                ? [folder, "--id", id, $"--Bytez:ModelsPath={models}"]
                : [folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
            var code = AddModelCommand.Run(args, output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {id} failed ({code}): {error}");
            }
        }

        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        }).ConfigureAwait(false);
        return new Seq2SeqServer(root, server);
    }

    /// <summary>The counter model with an mBART-50 tokenizer (see the class summary).</summary>
    private static string WriteMultilingual(string folder)
    {
        var table = CounterTable();
        table[Id("l")] = (float[])table[Id("<pad>")].Clone();
        var model = Write(folder, new OnnxSeq2SeqModelOptions
        {
            Table = table,
            SourceBias = Bias(("m", "d", 7f), ("k", "d", 7f)),
            GenerationConfig = MarianStyleGenerationConfig(),
        });
        var tokenizerPath = Path.Combine(model.Folder, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
        var vocab = tokenizer["model"]!["vocab"]!.AsArray();
        foreach (var (token, language) in new[] { ("k", "en_XX"), ("l", "fr_XX") })
        {
            vocab[Id(token)] = new JsonArray(language, 0.0);
            tokenizer["added_tokens"]!.AsArray().Add(new JsonObject
            {
                ["id"] = Id(token), ["content"] = language, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());
        var configPath = Path.Combine(model.Folder, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["tokenizer_class"] = "MBart50TokenizerFast";
        File.WriteAllText(configPath, config.ToJsonString());
        return model.Folder;
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
