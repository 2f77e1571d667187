using System.Text.Json;
using Bytez.Engine.Generation;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// Reads a model folder's generation defaults as Hugging Face does: <c>generation_config.json</c> when present, else
/// the token ids of <c>config.json</c> (what <c>GenerationConfig.from_model_config</c> takes).
/// </summary>
public static class GenerationConfigReader
{
    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads the defaults of the model folder; <see cref="GenerationDefaults.None"/> when it states none.</summary>
    /// <exception cref="EngineException">A file is not valid JSON (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static GenerationDefaults Read(string folder)
    {
        var path = Path.Combine(folder, "generation_config.json");
        if (File.Exists(path))
        {
            try
            {
                return Parse(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
            }
        }

        var config = Path.Combine(folder, "config.json");
        if (!File.Exists(config))
        {
            return GenerationDefaults.None;
        }

        var model = DecoderModelConfig.Read(folder);
        return new GenerationDefaults { BosTokenId = model.BosTokenId, EosTokenIds = model.EosTokenIds, PadTokenId = model.PadTokenId };
    }

    /// <summary>Parses the text of a <c>generation_config.json</c>.</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static GenerationDefaults Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, JsonOptions);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("generation_config.json is not a JSON object.");
        }

        return new GenerationDefaults
        {
            MaxLength = DecoderModelConfig.Int(root, "max_length"),
            MaxNewTokens = DecoderModelConfig.Int(root, "max_new_tokens"),
            DoSample = root.TryGetProperty("do_sample", out var ds) && ds.ValueKind is JsonValueKind.True or JsonValueKind.False ? ds.GetBoolean() : null,
            Temperature = Double(root, "temperature"),
            TopK = DecoderModelConfig.Int(root, "top_k"),
            TopP = Double(root, "top_p"),
            MinP = Double(root, "min_p"),
            TypicalP = Double(root, "typical_p"),
            RepetitionPenalty = Double(root, "repetition_penalty"),
            EosTokenIds = DecoderModelConfig.TokenIds(root, "eos_token_id"),
            BosTokenId = DecoderModelConfig.TokenIds(root, "bos_token_id")?.FirstOrDefault(),
            PadTokenId = DecoderModelConfig.TokenIds(root, "pad_token_id")?.FirstOrDefault(),
        };
    }

    /// <summary>
    /// The chat template of a model folder: <c>chat_template</c> of <c>tokenizer_config.json</c> (a string, or the
    /// list of <c>{name, template}</c> whose <c>default</c> entry is taken), else <c>chat_template.jinja</c>, else
    /// <c>chat_template</c> of <c>chat_template.json</c>; <see langword="null"/> when there is none.
    /// </summary>
    public static string? ReadChatTemplate(string folder)
    {
        foreach (var file in new[] { "tokenizer_config.json", "chat_template.json" })
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                continue;
            }

            using var doc = ParseFile(path);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && ParseChatTemplate(doc.RootElement) is { } template)
            {
                return template;
            }

            if (file == "tokenizer_config.json")
            {
                var jinja = Path.Combine(folder, "chat_template.jinja");
                if (File.Exists(jinja))
                {
                    return File.ReadAllText(jinja);
                }
            }
        }

        var bare = Path.Combine(folder, "chat_template.jinja");
        return File.Exists(bare) ? File.ReadAllText(bare) : null;
    }

    /// <summary>The <c>chat_template</c> field of a tokenizer config object: a string, or the <c>default</c> of a named list.</summary>
    public static string? ParseChatTemplate(JsonElement tokenizerConfig)
    {
        if (!tokenizerConfig.TryGetProperty("chat_template", out var t))
        {
            return null;
        }

        if (t.ValueKind == JsonValueKind.String)
        {
            return t.GetString();
        }

        if (t.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in t.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && DecoderModelConfig.Str(entry, "name") == "default")
                {
                    return DecoderModelConfig.Str(entry, "template");
                }
            }
        }

        return null;
    }

    private static JsonDocument ParseFile(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static double? Double(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
