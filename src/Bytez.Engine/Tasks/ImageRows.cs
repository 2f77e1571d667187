using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// One image of a request made ready for a vision model: its size as decoded (EXIF orientation applied; what boxes
/// and masks are scaled back to) and its row (<c>pixel_values</c> [3, H, W], plus <c>pixel_mask</c> [H, W] of ones
/// when the model takes one).
/// </summary>
/// <param name="Height">The decoded image's height in pixels.</param>
/// <param name="Width">The decoded image's width in pixels.</param>
/// <param name="Row">The model's inputs for this image.</param>
public sealed record ImageRow(int Height, int Width, TensorRow Row);

/// <summary>
/// The one way a vision task turns a request's images into model rows, as transformers 4.57's pipelines do
/// (<c>load_image</c>, then the model's image processor on each image alone): the media inputs are read by the
/// <see cref="MediaReader"/>, decoded by <see cref="ImageDecoder"/> under the reader's <see cref="MediaReader.Limits"/>
/// (refusals through <see cref="MediaErrors"/>), and preprocessed by the <see cref="ImageProcessor"/> of the model's
/// <c>preprocessor_config.json</c>. Each image is its own row (one image per forward, as the Python pipelines run),
/// so concurrent images of equal sizes are batched by the runtime without padding.
/// </summary>
public static class ImageRows
{
    private static readonly ConditionalWeakTable<IModelInstance, ImageProcessor> Processors = new();

    /// <summary>
    /// The images of a request (<c>input</c> as a list gives several, every other form one) as rows for
    /// <paramref name="instance"/>; <c>Single</c> says whether one image was sent (the answer is then not wrapped).
    /// </summary>
    /// <exception cref="EngineException">
    /// No image or a wrong form (BadInput), over a byte or pixel limit (TooLarge), not an image format the server
    /// reads (UnsupportedMediaType), a damaged image (BadInput); a model whose <c>preprocessor_config.json</c> is
    /// missing or not one the server reads (BadInput/NotSupported, naming the file).
    /// </exception>
    public static async ValueTask<(IReadOnlyList<ImageRow> Rows, bool Single)> ReadAsync(
        MediaReader reader, ITensorInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        var processor = Processor(instance);
        var inputs = await reader.ReadAllAsync(request, instance.Model.Task, cancellationToken).ConfigureAwait(false);
        var rows = new ImageRow[inputs.Items.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = MediaErrors.Decode(inputs.Items[i], bytes => ImageDecoder.Decode(bytes, reader.Limits));
            rows[i] = new ImageRow(image.Height, image.Width, Row(processor, image, instance));
        }

        return (rows, inputs.Single);
    }

    /// <summary>
    /// The image processor of a model, read once per loaded instance from its <c>preprocessor_config.json</c>.
    /// </summary>
    /// <exception cref="EngineException">The file is missing (BadInput) or not one the server reads (NotSupported), naming it.</exception>
    public static ImageProcessor Processor(ITensorInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return Processor(instance, () => instance.Config.RequirePreprocessor(instance.Model.Path));
    }

    /// <summary>
    /// The image processor of any model that reads images (an encoder-decoder too), read once per loaded instance from
    /// the <c>preprocessor_config.json</c> object <paramref name="preprocessor"/> gives (called on the first use only).
    /// </summary>
    /// <exception cref="EngineException">The file is missing (BadInput) or not one the server reads (NotSupported), naming it.</exception>
    public static ImageProcessor Processor(IModelInstance instance, Func<JsonElement> preprocessor)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (Processors.TryGetValue(instance, out var cached))
        {
            return cached;
        }

        var json = preprocessor();
        ImageProcessorConfig config;
        try
        {
            config = ImageProcessorConfig.Parse(System.Text.Encoding.UTF8.GetBytes(json.GetRawText()));
        }
        catch (FormatException e)
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} has a {TensorModelConfig.PreprocessorFile} the server cannot use for images: {e.Message}");
        }

        return Processors.GetValue(instance, _ => new ImageProcessor(config));
    }

    /// <summary>One decoded image through <paramref name="processor"/>; a refusal of the processor becomes the engine's.</summary>
    /// <exception cref="EngineException">The image cannot be prepared (the kind <see cref="MediaErrors"/> gives).</exception>
    public static PixelBatch Preprocess(ImageProcessor processor, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            return processor.Preprocess(image);
        }
        catch (MediaException e)
        {
            throw MediaErrors.From(e);
        }
    }

    /// <summary>
    /// The row of one decoded image: <c>pixel_values</c> from the processor and, when the model declares a
    /// <c>pixel_mask</c> input, the processor's mask (all ones for one image: nothing is padded).
    /// </summary>
    public static TensorRow Row(ImageProcessor processor, RgbImage image, ITensorInstance instance)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(instance);
        var batch = Preprocess(processor, image);

        var inputs = new Dictionary<string, TensorValue>(StringComparer.Ordinal)
        {
            ["pixel_values"] = TensorValue.Float(batch.PixelValues, 3, batch.Height, batch.Width),
        };
        if (instance.Inputs.Any(i => i.Name == "pixel_mask"))
        {
            var mask = batch.PixelMask ?? Enumerable.Repeat(1L, batch.Height * batch.Width).ToArray();
            inputs["pixel_mask"] = TensorValue.Int64(mask, batch.Height, batch.Width);
        }

        return new TensorRow(inputs);
    }

    /// <summary>
    /// A small request for a vision task's smoke run: a 32×32 mid-grey PNG sent as base64.
    /// </summary>
    public static RunRequest SmokeRequest()
    {
        var rgb = new byte[32 * 32 * 3];
        Array.Fill(rgb, (byte)128);
        return new RunRequest { Base64 = Convert.ToBase64String(PngEncoder.EncodeRgb(new RgbImage(32, 32, rgb))) };
    }
}
