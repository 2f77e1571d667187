using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Ocr;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>image-to-text</c>: one image (<see cref="MediaReader"/> → <see cref="ImageDecoder"/>) in, a string out, as Bytez
/// answers it (it unwraps transformers' <c>[{"generated_text"}]</c>). Today the only model kind is OCR
/// (<see cref="IOcrInstance"/>, the embedded PP-OCRv4): it reads printed text, it does not caption, and the answer is its
/// lines in reading order (top to bottom, left to right) joined by <c>\n</c>, the empty string when it finds none. The
/// parameters of transformers 4.57's <c>ImageToTextPipeline</c> are known: <c>max_new_tokens</c>,
/// <c>generate_kwargs</c> and <c>timeout</c> are checked and ignored (OCR generates no tokens; media fetches have the
/// server's own time limit); <c>prompt</c> (conditional captioning) is refused. Captioning models
/// (VisionEncoderDecoder) join as another instance kind in <see cref="RunAsync"/>.
/// </summary>
public sealed class ImageToTextPipeline : ITaskPipeline
{
    /// <summary>The task served.</summary>
    public const string TaskName = "image-to-text";

    private readonly MediaReader _media;

    /// <summary>Creates the pipeline over the reader of media inputs (whose limits bound the decoder too).</summary>
    public ImageToTextPipeline(MediaReader media) => _media = media ?? throw new ArgumentNullException(nameof(media));

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [TaskName],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("max_new_tokens", "integer >= 1", "none", "Captioning models: the most tokens to generate. Checked and ignored by OCR, which reads every line."),
            new("generate_kwargs", "object", "none", "Captioning models: generation settings. Checked to be an object and ignored by OCR."),
            new("timeout", "number of seconds > 0", "none", "Python's time limit for fetching the image; ignored (the server's media fetch limits apply)."),
            new("prompt", "string", "none", "Conditional captioning (BLIP, GIT, Pix2Struct); refused by OCR, which takes no prompt."),
        ],
        Output = "a string: the text read, lines in reading order joined by \\n",
        RepositoryFiles = ["config.json", "preprocessor_config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"],
        SmokeRequest = static _ => new RunRequest { Base64 = Convert.ToBase64String(SmokeImage()) },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IOcrInstance ocr)
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} cannot serve image-to-text here: only OCR models (the embedded PP-OCRv4) do; captioning models are not supported yet.");
        }

        ReadParameters(request.Params);
        var input = await _media.ReadAsync(request, TaskName, cancellationToken).ConfigureAwait(false);
        var image = MediaErrors.Decode(input, bytes => ImageDecoder.Decode(bytes, _media.Limits));
        var lines = await Task.Run(() => ocr.ReadLines(image, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new TextOutput(string.Join('\n', lines));
    }

    /// <summary>Checks <c>params</c>: known names, each of its type; <c>prompt</c> is refused.</summary>
    private static void ReadParameters(JsonElement? parameters)
    {
        foreach (var p in Arguments.Parameters(parameters, Declared.ParameterNames, TaskName))
        {
            switch (p.Name)
            {
                case "max_new_tokens":
                    Arguments.Int(p.Value, p.Name, min: 1);
                    break;
                case "generate_kwargs" when p.Value.ValueKind != JsonValueKind.Object:
                    throw Arguments.Bad(p.Name, "an object", p.Value);
                case "timeout":
                    Arguments.Number(p.Value, p.Name, 0, double.MaxValue, minExclusive: true, "> 0");
                    break;
                case "prompt":
                    throw EngineException.BadInput("`prompt` is for conditional captioning; this image-to-text model reads printed text (OCR) and takes no prompt.");
            }
        }
    }

    /// <summary>A small white PNG: the smoke run reads it (and finds no text).</summary>
    private static byte[] SmokeImage()
    {
        const int Side = 32;
        var rgb = new byte[Side * Side * 3];
        Array.Fill(rgb, (byte)255);
        return PngEncoder.EncodeRgb(new RgbImage(Side, Side, rgb));
    }
}
