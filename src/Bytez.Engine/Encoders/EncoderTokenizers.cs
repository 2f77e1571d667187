using System.Text.Json;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>Finds the tokenizer of an encoder model folder: the one place that picks the tokenizer implementation.</summary>
public static class EncoderTokenizers
{
    /// <summary>
    /// The folder's tokenizer: its <c>tokenizer.json</c> (WordPiece, BPE, Unigram) through <see cref="HfTokenizer"/>, which
    /// also gives the token-level tasks their full encode; a folder with only <c>vocab.txt</c> through
    /// <see cref="BertWordPieceTokenizer"/>. Padding
    /// uses the tokenizer's pad token, else <see cref="EncoderModelConfig.PadTokenId"/>, else 0.
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

        var tokenizer = HfTokenizer.FromDirectory(folder, options);
        var pad = PadToken(Path.Combine(folder, "tokenizer_config.json")) ?? PadToken(Path.Combine(folder, "special_tokens_map.json"));
        var padId = (pad is null ? null : tokenizer.TokenToId(pad)) ?? config.PadTokenId ?? 0;
        return new HfEncoderTokenizer(tokenizer, padId);
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
