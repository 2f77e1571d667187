using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>A validated image-to-text request, made by <see cref="ImageCaptionGenerator.Prepare"/> before the image is encoded.</summary>
/// <param name="Model">The model.</param>
/// <param name="Settings">The generation settings (the model's generation configuration, then the request's parameters).</param>
/// <param name="DecoderStartTokenId">The first decoder token.</param>
/// <param name="EosTokenIds">The tokens that end the caption.</param>
/// <param name="MaxLength">The most decoder tokens, start token included.</param>
public sealed record ImageCaptionRequest(
    IMediaSeq2SeqInstance Model, GenerationSettings Settings, int DecoderStartTokenId, IReadOnlyList<int> EosTokenIds, int MaxLength);

/// <summary>
/// Captioning with a VisionEncoderDecoder model (ViT-GPT2, TrOCR) as the transformers 4.57 <c>ImageToTextPipeline</c>
/// runs it: <c>generate</c> with the model's generation configuration (greedy unless it says <c>num_beams</c>; the
/// pipeline forces nothing), from the decoder start token, the caption decoded with special tokens skipped and not
/// stripped.
/// </summary>
public static class ImageCaptionGenerator
{
    /// <summary>Reads the model's generation configuration and <paramref name="parameters"/> (generation keys) over it.</summary>
    /// <exception cref="EngineException">A parameter is invalid (kind bad input), or the model names no start token (kind not supported).</exception>
    public static ImageCaptionRequest Prepare(IMediaSeq2SeqInstance model, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.SourceKind != Seq2SeqSourceKind.Pixels)
        {
            throw EngineException.NotSupported($"The model {model.Model.Id} does not read images.");
        }

        var info = model.Info;
        var baseline = GenerationSettings.ApplyModelConfig(new GenerationSettings(), info.GenerationConfig, info.VocabularySize, "forced_decoder_ids");
        var settings = GenerationSettings.Parse(parameters, baseline, info.VocabularySize, beamSearch: true);
        if (settings.StopStrings.Count > 0)
        {
            throw EngineException.NotSupported("Stop strings are not supported for image captioning; use max_new_tokens.");
        }

        var start = settings.DecoderStartTokenId ?? info.DecoderStartTokenId ?? info.BosTokenId
            ?? throw EngineException.NotSupported("The model's configuration names no decoder_start_token_id (nor bos_token_id).");
        var eos = settings.EosTokenIds ?? info.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var maxLength = settings.MaxNewTokens is { } n ? (int)Math.Min((long)n + 1, int.MaxValue) : settings.MaxLength;
        return new ImageCaptionRequest(model, settings, start, eos, Math.Min(maxLength, info.MaxTargetLength));
    }

    /// <summary>Encodes one image (<c>pixel_values</c> of one row, [channels, height, width]) and generates its captions (<c>num_return_sequences</c>, best first).</summary>
    /// <exception cref="EngineException">The pixels are not shaped as the model reads them (kind bad input).</exception>
    public static async Task<IReadOnlyList<string>> GenerateAsync(
        ImageCaptionRequest request, ReadOnlyMemory<float> pixels, IReadOnlyList<int> shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var decoding = await request.Model.EncodeAsync(pixels, shape, cancellationToken).ConfigureAwait(false);
        var sequences = await Seq2SeqGenerator.DecodeAsync(
            decoding, [request.DecoderStartTokenId], request.Settings, request.EosTokenIds, request.MaxLength, request.Model.Info.VocabularySize, null,
            cancellationToken).ConfigureAwait(false);
        return sequences.Select(t => request.Model.Tokenizer.Decode(t, skipSpecialTokens: true)).ToArray();
    }
}
