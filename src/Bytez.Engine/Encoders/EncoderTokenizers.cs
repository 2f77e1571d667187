using System.Text.Json;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>Finds the tokenizer of an encoder model folder: the one place that picks the tokenizer implementation.</summary>
public static class EncoderTokenizers
{
    /// <summary>
    /// The folder's tokenizer: WordPiece (<c>tokenizer.json</c> with a WordPiece model, or <c>vocab.txt</c>) through
    /// <see cref="BertWordPieceTokenizer"/>, any other <c>tokenizer.json</c> through <see cref="HfTokenizer"/>. Padding
    /// uses the tokenizer's pad token, else <see cref="EncoderModelConfig.PadTokenId"/>, else 0. A WordPiece
    /// <c>tokenizer.json</c> is also read, on first use, as <see cref="IEncoderTokenizer.Full"/>.
    /// </summary>
    /// <exception cref="EngineException">The folder has no tokenizer this server reads (NotSupported).</exception>
    public static IEncoderTokenizer FromDirectory(string folder, EncoderModelConfig config, TokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(config);
        var json = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(json))
        {
            return new WordPieceEncoderTokenizer(BertWordPieceTokenizer.FromDirectory(folder));
        }

        if (ModelType(json) == "WordPiece")
        {
            return new WordPieceEncoderTokenizer(BertWordPieceTokenizer.FromDirectory(folder), new Lazy<HfTokenizer>(() => HfTokenizer.FromDirectory(folder, options)));
        }

        var tokenizer = HfTokenizer.FromDirectory(folder, options);
        var pad = PadToken(Path.Combine(folder, "tokenizer_config.json")) ?? PadToken(Path.Combine(folder, "special_tokens_map.json"));
        var padId = (pad is null ? null : tokenizer.TokenToId(pad)) ?? config.PadTokenId ?? 0;
        return new HfEncoderTokenizer(tokenizer, padId);
    }

    private static string? ModelType(string tokenizerJson)
    {
        try
        {
            // Only the model's type is needed: read up to the model object without keeping the whole document.
            var reader = new Utf8JsonReader(File.ReadAllBytes(tokenizerJson), new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var depth = 0;
            var inModel = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        depth++;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        depth--;
                        if (inModel && depth == 1)
                        {
                            return null;
                        }

                        break;
                    case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("model"):
                        inModel = true;
                        break;
                    case JsonTokenType.PropertyName when inModel && depth == 2 && reader.ValueTextEquals("type"):
                        reader.Read();
                        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
            }

            return null;
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{tokenizerJson} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? PadToken(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("pad_token", out var pad))
            {
                return null;
            }

            return pad.ValueKind switch
            {
                JsonValueKind.String => pad.GetString(),
                JsonValueKind.Object when pad.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
                _ => null,
            };
        }
        catch (JsonException e)
        {
            throw new EngineException(EngineErrorKind.NotSupported, $"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
