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
/// runs it: <c>generate</c> with the pipeline's default <c>GenerationConfig(max_new_tokens=256)</c> merged with the
/// model's generation configuration (<see cref="Seq2SeqGenerationConfig.PipelineBaseline"/>: greedy unless the model
/// says <c>num_beams</c>; the model's <c>max_length</c>, when not 20, wins over the 256 new tokens), from the decoder
/// start token, the caption decoded with special tokens skipped and not stripped.
/// </summary>
public static class ImageCaptionGenerator
{
    /// <summary>The pipeline's default <c>max_new_tokens</c> (its <c>_default_generation_config</c>).</summary>
    public const int PipelineMaxNewTokens = 256;

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
        var baseline = Seq2SeqGenerationConfig.PipelineBaseline(info.GenerationConfig, info.VocabularySize, PipelineMaxNewTokens, numBeams: null);
        var settings = GenerationSettings.Parse(parameters, baseline, info.VocabularySize, beamSearch: true);
        if (settings.StopStrings.Count > 0)
        {
            throw EngineException.NotSupported("Stop strings are not supported for image captioning; use max_new_tokens.");
        }

        if (settings.OutputGrammar is not null)
        {
            throw EngineException.NotSupported("`response_format` is not supported for image captioning.");
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
        var sequences = await GenerateTokensAsync(request, pixels, shape, cancellationToken).ConfigureAwait(false);
        return sequences.Select(t => request.Model.Tokenizer.Decode(t, skipSpecialTokens: true)).ToArray();
    }

    /// <summary>As <see cref="GenerateAsync"/>, the captions as token ids (the start token left out, EOS kept when one ended it).</summary>
    /// <exception cref="EngineException">The pixels are not shaped as the model reads them (kind bad input).</exception>
    public static async Task<IReadOnlyList<int[]>> GenerateTokensAsync(
        ImageCaptionRequest request, ReadOnlyMemory<float> pixels, IReadOnlyList<int> shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var decoding = await request.Model.EncodeAsync(pixels, shape, cancellationToken).ConfigureAwait(false);
        return await Seq2SeqGenerator.DecodeAsync(
            decoding, [request.DecoderStartTokenId], request.Settings, request.EosTokenIds, request.MaxLength, request.Model.Info.VocabularySize, null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Encodes one image and generates its caption as text pieces (<see cref="Seq2SeqGenerator.StreamAsync(ITextTokenizer, Func{CancellationToken, ValueTask{ISeq2SeqDecoding}}, int, GenerationSettings, IReadOnlyList{int}, int, int, CancellationToken)"/>:
    /// token by token for greedy search and sampling, one piece for beam search); the pieces concatenate to the caption.
    /// </summary>
    public static IAsyncEnumerable<GenerationPiece> StreamAsync(
        ImageCaptionRequest request, ReadOnlyMemory<float> pixels, IReadOnlyList<int> shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Seq2SeqGenerator.StreamAsync(
            request.Model.Tokenizer, c => request.Model.EncodeAsync(pixels, shape, c), request.DecoderStartTokenId, request.Settings,
            request.EosTokenIds, request.MaxLength, request.Model.Info.VocabularySize, cancellationToken);
    }
}
