using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Server.Tests.Anthropic;

/// <summary>
/// A server with one tiny ONNX decoder whose chat template thinks as Qwen 3's does: the generation prompt opens
/// <c>&lt;think&gt;</c> unless <c>enable_thinking</c> is false (then it writes an empty thinking). With thinking on,
/// everything the random-weight model writes is thinking (it never writes <c>&lt;/think&gt;</c>); with it off, answer text.
/// </summary>
public sealed class ThinkingModelFixture : IAsyncLifetime
{
    /// <summary>The model's id.</summary>
    public const string Model = "local/tiny-think";

    /// <summary>The chat template: ChatML, and the thinking switch of Qwen 3's.</summary>
    public const string ThinkingTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}" +
        "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\n\n</think>\n\n' }}{% else %}{{ '<think>\n' }}{% endif %}{% endif %}";

    private string _root = null!;

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("bytez-thinking-").FullName;
        var model = OnnxDecoderModelWriter.Write(
            Path.Combine(_root, "files", "tiny-think"), new OnnxDecoderModelOptions { ContextLength = 256, ChatTemplate = ThinkingTemplate });
        var models = Path.Combine(_root, "models");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = AddModelCommand.Run([model.Folder, "--id", Model, $"--Bytez:ModelsPath={models}"], output, error);
        Assert.True(code == 0, $"add-model failed ({code}): {error}");
        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
