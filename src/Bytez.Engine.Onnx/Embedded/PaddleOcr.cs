using Bytez.Media.Images;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// Runs the embedded PP-OCRv4 mobile OCR (<c>PaddlePaddle/PP-OCRv4_mobile</c>) as PaddleOCR's <c>TextSystem</c> does:
/// detection (longest side at most 960, both sides rounded to multiples of 32, ImageNet normalization) → DB
/// post-processing (<see cref="DbTextBoxes"/>) → each box cut out and straightened → the 0/180° classifier turns
/// upside-down lines (probability above 0.9) → recognition at height 48 (width by aspect, at least 320, padded) →
/// CTC decoding over <c>ppocr_keys_v1.txt</c>; lines scoring under 0.5 are dropped. The networks take BGR planes, as
/// PaddleOCR feeds them from OpenCV. Reads printed text; it does not describe images. Thread-safe.
/// </summary>
public sealed class PaddleOcr : IDisposable
{
    /// <summary>The longest side of the image the detector sees.</summary>
    public const int DetectionMaxSide = 960;

    /// <summary>The height of a line for the recognizer.</summary>
    public const int RecognitionHeight = 48;

    /// <summary>The least width of the recognizer's input (PP-OCRv4's <c>rec_image_shape</c> 3,48,320).</summary>
    public const int RecognitionMinWidth = 320;

    /// <summary>Lines recognized in one run.</summary>
    public const int RecognitionBatch = 6;

    /// <summary>Lines whose score is under this are dropped (<c>drop_score</c>).</summary>
    public const float DropScore = 0.5f;

    /// <summary>The size of the direction classifier's input (<c>cls_image_shape</c> 3,48,192).</summary>
    public const int ClassifierWidth = 192;

    /// <summary>The classifier's least probability of "180" that turns a line (<c>cls_thresh</c>).</summary>
    public const float ClassifierThreshold = 0.9f;

    private static readonly float[] DetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] DetStd = [0.229f, 0.224f, 0.225f];
    private readonly InferenceSession _detector;
    private readonly InferenceSession _recognizer;
    private readonly InferenceSession _classifier;
    private readonly CtcGreedyDecoder _decoder;

    private PaddleOcr(InferenceSession detector, InferenceSession recognizer, InferenceSession classifier, CtcGreedyDecoder decoder)
    {
        _detector = detector;
        _recognizer = recognizer;
        _classifier = classifier;
        _decoder = decoder;
    }

    /// <summary>The DB post-processing settings (PaddleOCR's defaults).</summary>
    public DbTextBoxes.Settings Detection { get; init; } = new();

    /// <summary>Opens the model folder (<c>onnx/det.onnx</c>, <c>onnx/rec.onnx</c>, <c>onnx/cls.onnx</c>, <c>ppocr_keys_v1.txt</c>).</summary>
    /// <exception cref="EngineException">A file is missing (NotFound) or ONNX Runtime cannot load it (Internal).</exception>
    public static PaddleOcr Open(string modelFolder, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(options);
        var det = EmbeddedRunnerFiles.Require(modelFolder, "onnx/det.onnx");
        var rec = EmbeddedRunnerFiles.Require(modelFolder, "onnx/rec.onnx");
        var cls = EmbeddedRunnerFiles.Require(modelFolder, "onnx/cls.onnx");
        var decoder = CtcGreedyDecoder.FromFile(EmbeddedRunnerFiles.Require(modelFolder, "ppocr_keys_v1.txt"));
        using var sessionOptions = OnnxSessions.CreateOptions(options);
        var opened = new List<InferenceSession>();
        try
        {
            opened.Add(OnnxSessions.Open(det, sessionOptions));
            opened.Add(OnnxSessions.Open(rec, sessionOptions));
            opened.Add(OnnxSessions.Open(cls, sessionOptions));
            return new PaddleOcr(opened[0], opened[1], opened[2], decoder);
        }
        catch
        {
            opened.ForEach(s => s.Dispose());
            throw;
        }
    }

    /// <summary>The lines of printed text in <paramref name="image"/>, top to bottom and left to right.</summary>
    /// <exception cref="EngineException">ONNX Runtime failed (Internal).</exception>
    public IReadOnlyList<OcrLine> Read(RgbImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var runOptions = new RunOptions();
        var boxes = Detect(image, runOptions, cancellationToken);
        var crops = boxes.Select(b => Crop(image, b)).ToList();
        Straighten(crops, runOptions, cancellationToken);
        var lines = new List<OcrLine>();
        var texts = Recognize(crops, runOptions, cancellationToken);
        for (var i = 0; i < boxes.Count; i++)
        {
            if (texts[i].Score >= DropScore)
            {
                lines.Add(new OcrLine(texts[i].Text, texts[i].Score, boxes[i]));
            }
        }

        return lines;
    }

    /// <summary>The size the detector sees an image at: PaddleOCR's <c>DetResizeForTest</c> (limit type <c>max</c>, 960).</summary>
    public static (int Width, int Height) DetectionSize(int width, int height)
    {
        var ratio = Math.Max(width, height) > DetectionMaxSide ? (double)DetectionMaxSide / Math.Max(width, height) : 1.0;
        var w = (int)(width * ratio);
        var h = (int)(height * ratio);
        return (Math.Max((int)Math.Round(w / 32.0) * 32, 32), Math.Max((int)Math.Round(h / 32.0) * 32, 32));
    }

    private IReadOnlyList<OcrPoint[]> Detect(RgbImage image, RunOptions runOptions, CancellationToken cancellationToken)
    {
        var (w, h) = DetectionSize(image.Width, image.Height);
        var pixels = ImageSampling.Resize(image, w, h);
        var plane = w * h;
        var input = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                // BGR planes; PaddleOCR applies the mean and std in that channel order.
                input[(c * plane) + i] = ((pixels[(i * 3) + 2 - c] / 255f) - DetMean[c]) / DetStd[c];
            }
        }

        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, 3, h, w]);
        using var outputs = OnnxSessions.Run(_detector, runOptions, ["x"], [tensor], [_detector.OutputMetadata.Keys.Single()], "the PP-OCRv4 text detector", cancellationToken);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        return DbTextBoxes.Find(outputs[0].GetTensorDataAsSpan<float>(), (int)shape[3], (int)shape[2], image.Width, image.Height, Detection);
    }

    /// <summary>The box cut out and straightened (PaddleOCR's <c>get_rotate_crop_image</c>), turned upright when it is tall.</summary>
    private static Crop Crop(RgbImage image, OcrPoint[] box)
    {
        static double Length(OcrPoint a, OcrPoint b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
        var width = Math.Max(1, (int)Math.Max(Length(box[0], box[1]), Length(box[2], box[3])));
        var height = Math.Max(1, (int)Math.Max(Length(box[0], box[3]), Length(box[1], box[2])));
        var stepX = ((box[1].X - box[0].X) / (double)width, (box[1].Y - box[0].Y) / (double)width);
        var stepY = ((box[3].X - box[0].X) / (double)height, (box[3].Y - box[0].Y) / (double)height);
        var pixels = ImageSampling.Affine(image, width, height, (box[0].X, box[0].Y), stepX, stepY);
        var crop = new Crop(width, height, pixels);
        return (double)height / width >= 1.5 ? crop.RotatedCounterClockwise() : crop;
    }

    /// <summary>Runs the direction classifier and turns the lines it finds upside down.</summary>
    private void Straighten(List<Crop> crops, RunOptions runOptions, CancellationToken cancellationToken)
    {
        for (var start = 0; start < crops.Count; start += RecognitionBatch)
        {
            var batch = crops.Skip(start).Take(RecognitionBatch).ToList();
            var input = LineBatch(batch, ClassifierWidth);
            using var tensor = OrtValue.CreateTensorValueFromMemory(input, [batch.Count, 3, RecognitionHeight, ClassifierWidth]);
            using var outputs = OnnxSessions.Run(_classifier, runOptions, ["x"], [tensor], [_classifier.OutputMetadata.Keys.Single()], "the PP-OCR direction classifier", cancellationToken);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>();
            for (var i = 0; i < batch.Count; i++)
            {
                if (probabilities[(i * 2) + 1] > probabilities[i * 2] && probabilities[(i * 2) + 1] > ClassifierThreshold)
                {
                    crops[start + i] = crops[start + i].Rotated180();
                }
            }
        }
    }

    private List<(string Text, float Score)> Recognize(List<Crop> crops, RunOptions runOptions, CancellationToken cancellationToken)
    {
        var results = new (string Text, float Score)[crops.Count];
        var order = Enumerable.Range(0, crops.Count).OrderBy(i => (double)crops[i].Width / crops[i].Height).ToList();
        for (var start = 0; start < order.Count; start += RecognitionBatch)
        {
            var indices = order.Skip(start).Take(RecognitionBatch).ToList();
            var batch = indices.Select(i => crops[i]).ToList();
            var ratio = Math.Max((double)RecognitionMinWidth / RecognitionHeight, batch.Max(c => (double)c.Width / c.Height));
            var width = (int)(RecognitionHeight * ratio);
            var input = LineBatch(batch, width);
            using var tensor = OrtValue.CreateTensorValueFromMemory(input, [batch.Count, 3, RecognitionHeight, width]);
            using var outputs = OnnxSessions.Run(_recognizer, runOptions, ["x"], [tensor], [_recognizer.OutputMetadata.Keys.Single()], "the PP-OCRv4 text recognizer", cancellationToken);
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            var steps = (int)shape[1];
            var all = outputs[0].GetTensorDataAsSpan<float>();
            var perLine = steps * _decoder.ClassCount;
            for (var i = 0; i < indices.Count; i++)
            {
                results[indices[i]] = _decoder.Decode(all.Slice(i * perLine, perLine), steps);
            }
        }

        return [.. results];
    }

    /// <summary>
    /// Lines at height 48, width by aspect (at most <paramref name="width"/>), normalized to −1…1, BGR planes, padded
    /// with zeros on the right: PaddleOCR's <c>resize_norm_img</c>.
    /// </summary>
    private static float[] LineBatch(List<Crop> batch, int width)
    {
        var plane = RecognitionHeight * width;
        var input = new float[batch.Count * 3 * plane];
        for (var b = 0; b < batch.Count; b++)
        {
            var crop = batch[b];
            var scaled = (int)Math.Ceiling(RecognitionHeight * (double)crop.Width / crop.Height);
            var resizedWidth = Math.Clamp(scaled, 1, width);
            var pixels = ImageSampling.Resize(crop.AsImage(), resizedWidth, RecognitionHeight);
            var offset = b * 3 * plane;
            for (var y = 0; y < RecognitionHeight; y++)
            {
                for (var x = 0; x < resizedWidth; x++)
                {
                    var p = ((y * resizedWidth) + x) * 3;
                    for (var c = 0; c < 3; c++)
                    {
                        input[offset + (c * plane) + (y * width) + x] = ((pixels[p + 2 - c] / 255f) - 0.5f) / 0.5f;
                    }
                }
            }
        }

        return input;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _detector.Dispose();
        _recognizer.Dispose();
        _classifier.Dispose();
    }
}
