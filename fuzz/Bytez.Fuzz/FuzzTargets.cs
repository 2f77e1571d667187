using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.LlamaCpp.Gguf;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Templating;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Hub;

namespace Bytez.Fuzz;

/// <summary>
/// One target per parser of untrusted input. Each swallows only the exceptions its parser documents for malformed
/// input; anything else escapes, and the fuzzer records the input as a crash.
/// </summary>
internal static class FuzzTargets
{
    private static readonly TokenizerOptions TokenizerLimits = new() { RegexTimeout = TimeSpan.FromMilliseconds(200) };

    private static readonly HubClient Hub = new(new HttpClient(), new HubOptions());

    private static readonly Dictionary<string, object?>[] Conversation =
    [
        new() { ["role"] = "system", ["content"] = "Be brief." },
        new() { ["role"] = "user", ["content"] = "Hello" },
        new() { ["role"] = "assistant", ["content"] = "Hi!" },
        new() { ["role"] = "user", ["content"] = "What is 2+2?" },
    ];

    /// <summary>The targets by name.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["gguf"] = Gguf,
        ["tokenizer-json"] = TokenizerJson,
        ["onnx-metadata"] = OnnxMetadata,
        ["model-config"] = ModelConfig,
        ["hub-answer"] = HubAnswer,
        ["chat-template"] = ChatTemplateSource,
    };

    /// <summary>A GGUF header: only <see cref="InvalidDataException"/>.</summary>
    public static void Gguf(byte[] input)
    {
        try
        {
            _ = GgufFile.ReadHeader(new MemoryStream(input, writable: false)).ParameterCount;
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>A <c>tokenizer.json</c>, loaded and used: only <see cref="EngineException"/>.</summary>
    public static void TokenizerJson(byte[] input)
    {
        try
        {
            var tokenizer = HfTokenizer.FromJson(Encoding.UTF8.GetString(input), options: TokenizerLimits);
            var ids = tokenizer.Encode("Hello world <|im_start|> ü 😀 12345 \n\t  a", addSpecialTokens: true);
            _ = tokenizer.Decode(ids, skipSpecialTokens: false);
        }
        catch (EngineException)
        {
        }
    }

    /// <summary>An ONNX file's protobuf as the parameter counter reads it: only <see cref="InvalidDataException"/>.</summary>
    public static void OnnxMetadata(byte[] input)
    {
        try
        {
            _ = OnnxParameterCounter.Count(new MemoryStream(input, writable: false));
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>A <c>config.json</c> and <c>generation_config.json</c>: only <see cref="JsonException"/>.</summary>
    public static void ModelConfig(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        try
        {
            _ = DecoderModelConfig.Parse(text);
        }
        catch (JsonException)
        {
        }

        try
        {
            _ = GenerationConfigReader.Parse(text);
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>The hub's metadata answer: only <see cref="HubException"/> (and <see cref="JsonException"/> for text that is not JSON).</summary>
    public static void HubAnswer(byte[] input)
    {
        try
        {
            using var document = JsonDocument.Parse(input);
            var repository = Hub.Parse(document.RootElement, "org/model");
            _ = RepositoryPlanner.Plan(repository, new HubOptions(), new SupportedModels
            {
                Tasks = new HashSet<string>(["feature-extraction", "sentence-similarity", "text-generation", "chat"], StringComparer.Ordinal),
                Formats = new HashSet<string>(["onnx", "gguf"], StringComparer.Ordinal),
                Layout = Bytez.Server.Hosting.EngineModelLayout.Instance,
            });
        }
        catch (Exception e) when (e is HubException or JsonException)
        {
        }
    }

    /// <summary>A chat template, parsed and rendered: only <see cref="TemplateException"/>.</summary>
    public static void ChatTemplateSource(byte[] input)
    {
        try
        {
            _ = ChatTemplate.Render(Encoding.UTF8.GetString(input), Conversation, addGenerationPrompt: true, "<s>", "</s>");
        }
        catch (TemplateException)
        {
        }
    }
}
