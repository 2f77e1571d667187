using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server with one thinking model (<see cref="Model"/>): a tiny ONNX decoder whose ChatML template opens
/// <c>&lt;think&gt;</c> in the generation prompt, as Qwen3's Thinking-2507 templates do, unless <c>enable_thinking</c>
/// is false (then it writes an empty thinking block). With random weights the model never closes its thinking, so
/// everything it writes within a small budget is reasoning.
/// </summary>
public sealed class ThinkingServer : IAsyncDisposable
{
    /// <summary>The model's id.</summary>
    public const string Model = "local/tiny-thinking";

    /// <summary>The chat template.</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}" +
        "{% if enable_thinking is defined and not enable_thinking %}{{ '<think>\n\n</think>\n\n' }}{% else %}{{ '<think>\n' }}{% endif %}{% endif %}";

    private readonly string _root;

    private ThinkingServer(string root, TestServer server)
    {
        _root = root;
        Server = server;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>Writes and registers the model and starts the server.</summary>
    /// <exception cref="InvalidOperationException">add-model refused the model.</exception>
    public static async Task<ThinkingServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-thinking-").FullName;
        var model = OnnxDecoderModelWriter.Write(Path.Combine(root, "files", "tiny-thinking"), new OnnxDecoderModelOptions { ContextLength = 256, ChatTemplate = ChatTemplate });
        var models = Path.Combine(root, "models");
        using var output = new StringWriter();
        using var error = new StringWriter();
        if (AddModelCommand.Run([model.Folder, "--id", Model, $"--Bytez:ModelsPath={models}"], output, error) != 0)
        {
            throw new InvalidOperationException($"add-model failed: {error}");
        }

        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models, ["Bytez:EmbeddedModels"] = "false", ["Bytez:Onnx:IntraOpThreads"] = "1",
        }).ConfigureAwait(false);
        return new ThinkingServer(root, server);
    }

    /// <summary>Stops the server and deletes the model.</summary>
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
