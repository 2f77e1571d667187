using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Generation;
using Bytez.Engine.Media;
using Bytez.Engine.Metrics;
using Bytez.Engine.Ocr;
using Bytez.Engine.Tensors;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>image-to-text</c>: images (<see cref="MediaReader"/> → <see cref="ImageDecoder"/>) in, text out, as Bytez answers it
/// (it unwraps transformers' <c>[{"generated_text"}]</c>). Two kinds of model serve it:
/// <list type="bullet">
/// <item>captioning encoder-decoders (<see cref="IMediaSeq2SeqInstance"/> reading <c>pixel_values</c>: VisionEncoderDecoder
/// exports of ViT-GPT2, TrOCR, ...), run as transformers 4.57.1's <c>ImageToTextPipeline</c> runs them: the model's image
/// processor (<c>preprocessor_config.json</c>, <see cref="ImageRows.Processor(IModelInstance, Func{JsonElement})"/>), then
/// <see cref="ImageCaptionGenerator"/> (<c>generate</c> with the pipeline's <c>max_new_tokens</c> 256 under the model's
/// generation configuration, then <c>max_new_tokens</c> and <c>generate_kwargs</c>), decoded with special tokens skipped;</item>
/// <item>OCR (<see cref="IOcrInstance"/>, the embedded PP-OCRv4): it reads printed text, it does not caption; the answer
/// is its lines in reading order joined by <c>\n</c>, the empty string when it finds none.</item>
/// </list>
/// The parameters are the Python pipeline's: <c>max_new_tokens</c>, <c>generate_kwargs</c>, <c>timeout</c> (checked
/// and ignored: the server's media fetch limits apply) and <c>prompt</c> (refused: neither kind takes one). One image
/// gives a string (a list of strings with <c>num_return_sequences</c> &gt; 1); <c>input</c> as a list gives one such
/// answer per image. A caption streams as text generation does.
/// </summary>
public sealed class ImageToTextPipeline : IStreamingTaskPipeline
{
    /// <summary>The task served.</summary>
    public const string TaskName = "image-to-text";

    /// <summary>The keys <c>generate_kwargs</c> may hold: the generate parameters the encoder-decoders read.</summary>
    public static IReadOnlyList<string> GenerateKeys { get; } =
        [.. GenerationSettings.Supported.Where(k => k is not ("return_full_text" or "enable_thinking" or "response_format"))];

    private readonly MediaReader _media;
    private readonly EngineMetrics? _metrics;

    /// <summary>
    /// Creates the pipeline over the reader of media inputs (whose limits bound the decoder too); <paramref name="metrics"/>,
    /// when given, records the tokens generated.
    /// </summary>
    public ImageToTextPipeline(MediaReader media, EngineMetrics? metrics = null)
    {
        _media = media ?? throw new ArgumentNullException(nameof(media));
        _metrics = metrics;
    }

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [TaskName],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("max_new_tokens", "integer >= 1", "256 (the pipeline's), unless the model's generation_config sets a max_length other than 20",
                "Captioning models: the most tokens to generate (not with generate_kwargs.max_new_tokens). Checked and ignored by OCR."),
            new("generate_kwargs", "object of generate parameters", "none",
                "Captioning models: generation settings passed to generate (num_beams, do_sample, max_length, ...). Checked to be an object and ignored by OCR."),
            new("timeout", "number of seconds > 0", "none", "Python's time limit for fetching the image; ignored (the server's media fetch limits apply)."),
            new("prompt", "string", "none", "Conditional captioning (BLIP, GIT, Pix2Struct); refused: VisionEncoderDecoder and OCR models take no prompt."),
        ],
        Output = "a string: the caption (or the text OCR reads, lines joined by \\n); a list of strings for num_return_sequences > 1; one answer per image for a list",
        RepositoryFiles = ["config.json", "preprocessor_config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"],
        SmokeRequest = static _ => new RunRequest
        {
            Base64 = Convert.ToBase64String(SmokeImage()),
            Params = JsonSerializer.SerializeToElement(new ModelParameters { MaxNewTokens = 1 }, ProtocolJsonContext.Default.ModelParameters),
        },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        var generate = ReadParameters(instance, request.Params);
        if (instance is IOcrInstance ocr)
        {
            var inputs = await _media.ReadAllAsync(request, TaskName, cancellationToken).ConfigureAwait(false);
            var answers = new List<TaskOutput>(inputs.Items.Count);
            foreach (var input in inputs.Items)
            {
                var image = MediaErrors.Decode(input, bytes => ImageDecoder.Decode(bytes, _media.Limits));
                var lines = await Task.Run(() => ocr.ReadLines(image, cancellationToken), cancellationToken).ConfigureAwait(false);
                answers.Add(new TextOutput(string.Join('\n', lines)));
            }

            return inputs.Single ? answers[0] : new ListOutput(answers);
        }

        var captioner = Captioner(instance);
        var caption = ImageCaptionGenerator.Prepare(captioner, generate);
        var processor = Processor(captioner);
        var images = await _media.ReadAllAsync(request, TaskName, cancellationToken).ConfigureAwait(false);
        var results = new List<TaskOutput>(images.Items.Count);
        foreach (var input in images.Items)
        {
            var pixels = Pixels(processor, input);
            var started = Stopwatch.GetTimestamp();
            var sequences = await ImageCaptionGenerator.GenerateTokensAsync(caption, pixels.PixelValues, [3, pixels.Height, pixels.Width], cancellationToken)
                .ConfigureAwait(false);
            _metrics?.Generated(instance.Model.Id, sequences.Sum(s => s.Length), Stopwatch.GetElapsedTime(started));
            var texts = sequences.Select(s => (TaskOutput)new TextOutput(captioner.Tokenizer.Decode(s, skipSpecialTokens: true))).ToList();
            results.Add(texts.Count == 1 ? texts[0] : new ListOutput(texts));
        }

        return images.Single ? results[0] : new ListOutput(results);
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncEnumerable<string>> StartStreamAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is IOcrInstance)
        {
            // OCR has no tokens to stream: its whole answer is the one piece.
            var answer = await RunAsync(instance, request, cancellationToken).ConfigureAwait(false);
            return answer is TextOutput text
                ? OnePiece(text.Text)
                : throw EngineException.BadInput("A list of images cannot be streamed; send \"stream\": false to get every answer.");
        }

        var generate = ReadParameters(instance, request.Params);
        var captioner = Captioner(instance);
        var caption = ImageCaptionGenerator.Prepare(captioner, generate);
        if (caption.Settings.NumReturnSequences > 1)
        {
            throw EngineException.BadInput("`num_return_sequences` > 1 cannot be streamed; send \"stream\": false to get them all.");
        }

        var processor = Processor(captioner);
        var images = await _media.ReadAllAsync(request, TaskName, cancellationToken).ConfigureAwait(false);
        if (!images.Single)
        {
            throw EngineException.BadInput("A list of images cannot be streamed; send \"stream\": false to get every caption.");
        }

        var pixels = Pixels(processor, images.Items[0]);
        return Stream(caption, pixels, cancellationToken);
    }

    private async IAsyncEnumerable<string> Stream(ImageCaptionRequest caption, PixelBatch pixels, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var tokens = 0;
        try
        {
            await foreach (var piece in ImageCaptionGenerator.StreamAsync(caption, pixels.PixelValues, [3, pixels.Height, pixels.Width], cancellationToken)
                .ConfigureAwait(false))
            {
                tokens = piece.GeneratedTokens;
                if (piece.Text.Length > 0)
                {
                    yield return piece.Text;
                }
            }
        }
        finally
        {
            _metrics?.Generated(caption.Model.Model.Id, tokens, Stopwatch.GetElapsedTime(started));
        }
    }

    private static async IAsyncEnumerable<string> OnePiece(string text)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (text.Length > 0)
        {
            yield return text;
        }
    }

    /// <summary>The captioning model behind an instance, or the refusal of a model that is none.</summary>
    private static IMediaSeq2SeqInstance Captioner(IModelInstance instance) => instance switch
    {
        IMediaSeq2SeqInstance { SourceKind: Seq2SeqSourceKind.Pixels } captioner => captioner,
        IMediaSeq2SeqInstance => throw EngineException.NotSupported($"The model {instance.Model.Id} does not read images; image-to-text needs an image encoder-decoder."),
        _ => throw EngineException.NotSupported(
            $"The model {instance.Model.Id} cannot serve image-to-text: it is neither an image encoder-decoder (VisionEncoderDecoder: ViT-GPT2, TrOCR, ...) nor an OCR model."),
    };

    /// <summary>The image processor of a captioning model's <c>preprocessor_config.json</c> (read once per loaded instance).</summary>
    private static ImageProcessor Processor(IMediaSeq2SeqInstance captioner)
        => ImageRows.Processor(captioner, () => TensorModelConfig.Read(captioner.Model.Path).RequirePreprocessor(captioner.Model.Path));

    /// <summary>One media input decoded and prepared as the model's <c>pixel_values</c>.</summary>
    private PixelBatch Pixels(ImageProcessor processor, MediaInput input)
        => ImageRows.Preprocess(processor, MediaErrors.Decode(input, bytes => ImageDecoder.Decode(bytes, _media.Limits)));

    /// <summary>
    /// Checks <c>params</c> as the Python pipeline's <c>_sanitize_parameters</c> does (known names, each of its type;
    /// <c>max_new_tokens</c> not twice; <c>prompt</c> refused) and returns the generate keyword arguments:
    /// <c>generate_kwargs</c> with <c>max_new_tokens</c> added, or <see langword="null"/> when neither is given.
    /// </summary>
    private static JsonElement? ReadParameters(IModelInstance instance, JsonElement? parameters)
    {
        if (parameters is { ValueKind: JsonValueKind.Object } given
            && given.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !Declared.ParameterNames.Contains(n)) is { } unknown
            && GenerateKeys.Contains(unknown))
        {
            throw EngineException.BadInput(
                $"Unknown parameter `{unknown}` for {TaskName}; supported parameters: {string.Join(", ", Declared.ParameterNames)}. "
                + $"As in the Python pipeline, generation settings go inside `generate_kwargs`: {{\"generate_kwargs\": {{\"{unknown}\": ...}}}}.");
        }

        JsonObject? generate = null;
        int? maxNewTokens = null;
        foreach (var p in Arguments.Parameters(parameters, Declared.ParameterNames, TaskName))
        {
            switch (p.Name)
            {
                case "max_new_tokens" when p.Value.ValueKind != JsonValueKind.Null:
                    maxNewTokens = Arguments.Int(p.Value, p.Name, min: 1);
                    break;
                case "generate_kwargs" when p.Value.ValueKind == JsonValueKind.Object:
                    generate = GenerateKwargs(p.Value);
                    break;
                case "generate_kwargs" when p.Value.ValueKind != JsonValueKind.Null:
                    throw Arguments.Bad(p.Name, "an object of generate parameters such as {\"num_beams\": 4}", p.Value);
                case "timeout" when p.Value.ValueKind != JsonValueKind.Null:
                    Arguments.Number(p.Value, p.Name, 0, double.MaxValue, minExclusive: true, "> 0");
                    break;
                case "prompt" when p.Value.ValueKind != JsonValueKind.Null:
                    throw instance is IOcrInstance
                        ? EngineException.BadInput("`prompt` is for conditional captioning; this image-to-text model reads printed text (OCR) and takes no prompt.")
                        : EngineException.BadInput(
                            $"`prompt` is for conditional captioning (BLIP, GIT, Pix2Struct); {instance.Model.Id} is a vision-encoder-decoder, which does not support conditional text generation.");
            }
        }

        if (maxNewTokens is { } n)
        {
            generate ??= [];
            if (generate.ContainsKey("max_new_tokens"))
            {
                throw EngineException.BadInput(
                    "`max_new_tokens` is given both as a parameter and inside `generate_kwargs`; give it only once.");
            }

            generate["max_new_tokens"] = n;
        }

        if (generate is null || instance is IOcrInstance)
        {
            return null;
        }

        using var document = JsonDocument.Parse(generate.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>The keys of <c>generate_kwargs</c>, each a generate parameter (the values are checked by <see cref="GenerationSettings"/>).</summary>
    private static JsonObject GenerateKwargs(JsonElement value)
    {
        var generate = new JsonObject();
        foreach (var property in value.EnumerateObject())
        {
            if (!GenerateKeys.Contains(property.Name) && !GenerationSettings.NotImplemented.ContainsKey(property.Name))
            {
                throw EngineException.BadInput(
                    $"Unknown key `{property.Name}` in `generate_kwargs` for {TaskName}; supported keys: {string.Join(", ", GenerateKeys)}.");
            }

            generate[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        return generate;
    }

    /// <summary>A small white PNG: the smoke run reads or captions it.</summary>
    private static byte[] SmokeImage()
    {
        const int Side = 32;
        var rgb = new byte[Side * Side * 3];
        Array.Fill(rgb, (byte)255);
        return PngEncoder.EncodeRgb(new RgbImage(Side, Side, rgb));
    }
}
