using System.Text.Json;
using Bytez.Protocol;

namespace Bytez;

// The readers of the vision and audio tasks' outputs: object-detection, image-segmentation, depth-estimation and
// automatic-speech-recognition. Labels (image-, audio-, zero-shot-image-classification), texts (image-to-text),
// embeddings (image-feature-extraction) and media URLs (text-to-speech) share the text tasks' readers.
internal static partial class TaskOutputReader
{
    private const string DetectionsShape = "a list of {score, label, box: {xmin, ymin, xmax, ymax}} (object-detection)";
    private const string SegmentsShape = "a list of {label, score, mask_png} (image-segmentation)";
    private const string DepthShape = "{depth_png, formatted_predicted_depth_array} (depth-estimation)";
    private const string TranscriptionShape = "a string, or {text, chunks: [{text, timestamp: [start, end]}]} (automatic-speech-recognition)";

    public static IReadOnlyList<DetectedObject> Detections(JsonElement output) =>
        ListOrOnlyList(output, new Shape(DetectionsShape, output), ReadDetection);

    public static IReadOnlyList<ImageSegment> Segments(JsonElement output) =>
        ListOrOnlyList(output, new Shape(SegmentsShape, output), ReadSegment);

    public static DepthEstimation Depth(JsonElement output)
    {
        var shape = new Shape(DepthShape, output);
        var (item, where) = OneResult(output);

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw Mismatch(DepthShape, output);
        }

        var png = RequireBase64(item, "depth_png", shape, where);
        if (!item.TryGetProperty("formatted_predicted_depth_array", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            throw shape.Mismatch($"{where} has no list 'formatted_predicted_depth_array'");
        }

        var depth = new IReadOnlyList<int>[rows.GetArrayLength()];
        var r = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
            {
                throw shape.Mismatch($"'formatted_predicted_depth_array' row {r} is {Describe(row.ValueKind)}, not a list");
            }

            if (r > 0 && row.GetArrayLength() != depth[0].Count)
            {
                throw shape.Mismatch($"'formatted_predicted_depth_array' row {r} has {row.GetArrayLength()} values, row 0 has {depth[0].Count}");
            }

            var values = new int[row.GetArrayLength()];
            var c = 0;
            foreach (var value in row.EnumerateArray())
            {
                values[c] = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var v)
                    ? v
                    : throw shape.Mismatch($"'formatted_predicted_depth_array' row {r} value {c} is {value.GetRawText()}, not an integer");
                c++;
            }

            depth[r++] = values;
        }

        return new DepthEstimation { DepthPng = png, FormattedPredictedDepthArray = depth };
    }

    public static Transcription Transcription(JsonElement output)
    {
        var shape = new Shape(TranscriptionShape, output);
        var (item, where) = OneResult(output);

        if (item.ValueKind == JsonValueKind.String)
        {
            return new Transcription { Text = item.GetString()! };
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw Mismatch(TranscriptionShape, output);
        }

        var text = RequireString(item, "text", shape, where);
        if (!item.TryGetProperty("chunks", out var chunks) || chunks.ValueKind == JsonValueKind.Null)
        {
            return new Transcription { Text = text };
        }

        return chunks.ValueKind == JsonValueKind.Array
            ? new Transcription { Text = text, Chunks = ReadList(chunks, shape, ReadChunk, "'chunks' ") }
            : throw shape.Mismatch($"{where} has 'chunks' as {Describe(chunks.ValueKind)}, not a list");
    }

    private static DetectedObject ReadDetection(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        if (!item.TryGetProperty("box", out var box) || box.ValueKind != JsonValueKind.Object)
        {
            throw shape.Mismatch($"{where} has no object 'box'");
        }

        var at = $"{where} 'box'";
        return new DetectedObject
        {
            Score = RequireNumber(item, "score", shape, where),
            Label = RequireString(item, "label", shape, where),
            Box = new BoundingBox
            {
                XMin = RequireNumber(box, "xmin", shape, at),
                YMin = RequireNumber(box, "ymin", shape, at),
                XMax = RequireNumber(box, "xmax", shape, at),
                YMax = RequireNumber(box, "ymax", shape, at),
            },
        };
    }

    private static ImageSegment ReadSegment(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        double? score = item.TryGetProperty("score", out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw shape.Mismatch($"{where} has 'score' as {Describe(value.ValueKind)}, not a number or null")
            : null;
        return new ImageSegment
        {
            Label = RequireString(item, "label", shape, where),
            Score = score,
            MaskPng = RequireBase64(item, "mask_png", shape, where),
        };
    }

    private static TranscriptionChunk ReadChunk(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        if (!item.TryGetProperty("timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.Array || timestamp.GetArrayLength() != 2)
        {
            throw shape.Mismatch($"{where} has no 'timestamp' [start, end]");
        }

        var times = new double?[2];
        for (var i = 0; i < 2; i++)
        {
            times[i] = timestamp[i].ValueKind switch
            {
                JsonValueKind.Number => timestamp[i].GetDouble(),
                JsonValueKind.Null => null,
                _ => throw shape.Mismatch($"{where} has 'timestamp' {timestamp.GetRawText()}, not two numbers (or null)"),
            };
        }

        return new TranscriptionChunk
        {
            Text = RequireString(item, "text", shape, where),
            Timestamp = times,
            Language = OptionalString(item, "language", shape, where),
        };
    }

    /// <summary>A file sent as a string of bare base64 (Bytez's form) or as a <c>data:</c> URI.</summary>
    private static byte[] RequireBase64(JsonElement item, string name, Shape shape, string where)
    {
        var text = RequireString(item, name, shape, where);
        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            text = comma > 0 && text.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase)
                ? text[(comma + 1)..]
                : throw shape.Mismatch($"{where} has '{name}' as a data URI that is not ;base64");
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw shape.Mismatch($"{where} has '{name}' that is not base64");
        }
    }
}
