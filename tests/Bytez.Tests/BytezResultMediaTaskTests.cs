using System.Net;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Tests;

/// <summary>
/// The typed accessors of the vision and audio tasks' outputs, on JSON: the Bytez shapes (bytez-api.md §9, docs/api.md),
/// the transformers 4.57 pipeline forms they come from (Whisper's and CTC's <c>{text, chunks}</c>, the batch axis of one
/// image), and a <see cref="BytezException"/> naming the expected shape for anything else.
/// </summary>
public sealed class BytezResultMediaTaskTests
{
    // The 8-byte PNG signature as base64: what the readers decode (they do not parse the PNG).
    private const string PngBase64 = "iVBORw0KGgo=";
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static BytezResult Success(string outputJson)
    {
        using var document = JsonDocument.Parse(outputJson);
        return new BytezResult(document.RootElement.Clone(), null, null, HttpStatusCode.OK);
    }

    private static string Refused(Func<BytezResult, object> accessor, string outputJson) =>
        Assert.Throws<BytezException>(() => accessor(Success(outputJson))).Message;

    // ---- object-detection ----------------------------------------------------------------------------------------

    [Fact]
    public void GetDetections_BytezList_KeepsOrderLabelsScoresAndBoxes()
    {
        var detections = Success("""
            [{"score":0.9982,"label":"remote","box":{"xmin":40,"ymin":70,"xmax":175,"ymax":117}},
             {"score":0.9,"label":"cat","box":{"xmin":-3,"ymin":20,"xmax":640.5,"ymax":480}}]
            """).GetDetections();

        Assert.Equal(["remote", "cat"], detections.Select(d => d.Label));
        Assert.Equal(0.9982, detections[0].Score);
        var box = detections[0].Box;
        Assert.Equal((40d, 70d, 175d, 117d), (box.XMin, box.YMin, box.XMax, box.YMax));
        // Not clamped, and relative or fractional boxes read too.
        Assert.Equal((-3d, 640.5d), (detections[1].Box.XMin, detections[1].Box.XMax));
    }

    [Fact]
    public void GetDetections_ListOfOneImage_AndNothingFound()
    {
        var one = Success("""[[{"score":0.5,"label":"a","box":{"xmin":1,"ymin":2,"xmax":3,"ymax":4}}]]""").GetDetections();

        Assert.Equal("a", Assert.Single(one).Label);
        Assert.Empty(Success("[]").GetDetections());
    }

    [Theory]
    [InlineData("""[{"score":0.5,"label":"a"}]""", "item 0 has no object 'box'")]
    [InlineData("""[{"score":0.5,"label":"a","box":{"xmin":1,"ymin":2,"xmax":3}}]""", "item 0 'box' has no number 'ymax'")]
    [InlineData("""[{"label":"a","box":{"xmin":1,"ymin":2,"xmax":3,"ymax":4}}]""", "item 0 has no number 'score'")]
    [InlineData("""{"score":0.5}""", "it was an object")]
    public void GetDetections_WrongShape_ThrowsNamingIt(string output, string detail)
    {
        var message = Refused(r => r.GetDetections(), output);

        Assert.Contains("{score, label, box: {xmin, ymin, xmax, ymax}}", message, StringComparison.Ordinal);
        Assert.Contains(detail, message, StringComparison.Ordinal);
    }

    // ---- image-segmentation --------------------------------------------------------------------------------------

    [Fact]
    public void GetSegments_BytezList_DecodesBareBase64AndDataUriMasks_ScoreNullOrNumber()
    {
        var segments = Success($$"""
            [{"label":"wall","score":null,"mask_png":"{{PngBase64}}"},
             {"label":"person","score":0.97,"mask_png":"data:image/png;base64,{{PngBase64}}"}]
            """).GetSegments();

        Assert.Equal(["wall", "person"], segments.Select(s => s.Label));
        Assert.Null(segments[0].Score);
        Assert.Equal(0.97, segments[1].Score);
        Assert.All(segments, s => Assert.Equal(PngSignature, s.MaskPng));
    }

    [Theory]
    [InlineData("""[{"label":"a","score":null}]""", "item 0 has no string 'mask_png'")]
    [InlineData("""[{"label":"a","score":null,"mask_png":"not base64!"}]""", "item 0 has 'mask_png' that is not base64")]
    [InlineData("""[{"label":"a","score":null,"mask_png":"data:image/png,abc"}]""", "not ;base64")]
    [InlineData("""[{"label":"a","score":"high","mask_png":"iVBORw0KGgo="}]""", "'score' as a string")]
    public void GetSegments_WrongShape_ThrowsNamingIt(string output, string detail)
    {
        var message = Refused(r => r.GetSegments(), output);

        Assert.Contains("{label, score, mask_png}", message, StringComparison.Ordinal);
        Assert.Contains(detail, message, StringComparison.Ordinal);
    }

    // ---- depth-estimation ----------------------------------------------------------------------------------------

    [Fact]
    public void GetDepth_BytezObject_ThePngAndTheRows()
    {
        var depth = Success($$"""{"depth_png":"{{PngBase64}}","formatted_predicted_depth_array":[[0,128,255],[1,2,3]]}""").GetDepth();

        Assert.Equal(PngSignature, depth.DepthPng);
        Assert.Equal(2, depth.FormattedPredictedDepthArray.Count);
        Assert.Equal([0, 128, 255], depth.FormattedPredictedDepthArray[0]);
        Assert.Equal([1, 2, 3], depth.FormattedPredictedDepthArray[1]);
    }

    [Theory]
    [InlineData("""{"formatted_predicted_depth_array":[[0]]}""", "has no string 'depth_png'")]
    [InlineData("""{"depth_png":"iVBORw0KGgo="}""", "has no list 'formatted_predicted_depth_array'")]
    [InlineData("""{"depth_png":"iVBORw0KGgo=","formatted_predicted_depth_array":[[0,1],[2]]}""", "row 1 has 1 values, row 0 has 2")]
    [InlineData("""{"depth_png":"iVBORw0KGgo=","formatted_predicted_depth_array":[[0,1.5]]}""", "row 0 value 1 is 1.5, not an integer")]
    [InlineData("""[[0,1]]""", "it was a list")]
    public void GetDepth_WrongShape_ThrowsNamingIt(string output, string detail)
    {
        var message = Refused(r => r.GetDepth(), output);

        Assert.Contains("{depth_png, formatted_predicted_depth_array}", message, StringComparison.Ordinal);
        Assert.Contains(detail, message, StringComparison.Ordinal);
    }

    // ---- automatic-speech-recognition ----------------------------------------------------------------------------

    [Fact]
    public void GetTranscription_BytezString_IsTheTextWithoutChunks()
    {
        var transcription = Success("\" Hello world.\"").GetTranscription();

        Assert.Equal(" Hello world.", transcription.Text);
        Assert.Empty(transcription.Chunks);
    }

    [Fact]
    public void GetTranscription_WhisperChunks_TimesInSeconds_TheLastEndMayBeNull()
    {
        // transformers' Whisper answer with return_timestamps=True when the audio ends mid-segment.
        var transcription = Success("""
            {"text":" Hello world. And then","chunks":[
              {"timestamp":[0.0,1.52],"text":" Hello world."},
              {"timestamp":[1.52,null],"text":" And then"}]}
            """).GetTranscription();

        Assert.Equal(" Hello world. And then", transcription.Text);
        Assert.Equal([" Hello world.", " And then"], transcription.Chunks.Select(c => c.Text));
        Assert.Equal((0.0, 1.52), (transcription.Chunks[0].Start, transcription.Chunks[0].End));
        Assert.Equal(1.52, transcription.Chunks[1].Start);
        Assert.Null(transcription.Chunks[1].End);
        Assert.Null(transcription.Chunks[0].Language);
    }

    [Fact]
    public void GetTranscription_CtcWordChunks_AndReturnLanguage_AndAListOfOne()
    {
        var ctc = Success("""{"text":"HI BOB","chunks":[{"text":"HI","timestamp":[0.0,0.1]},{"text":"BOB","timestamp":[0.2,0.32]}]}""").GetTranscription();
        var withLanguage = Success("""[{"text":" Hallo","chunks":[{"language":"german","timestamp":[0.0,1.0],"text":" Hallo"}]}]""").GetTranscription();

        Assert.Equal(["HI", "BOB"], ctc.Chunks.Select(c => c.Text));
        Assert.Equal((0.2, 0.32), (ctc.Chunks[1].Start, ctc.Chunks[1].End));
        Assert.Equal("german", Assert.Single(withLanguage.Chunks).Language);
    }

    [Fact]
    public void GetTranscription_TextWithoutChunks_AndNullChunks()
    {
        Assert.Empty(Success("""{"text":"a"}""").GetTranscription().Chunks);
        Assert.Empty(Success("""{"text":"a","chunks":null}""").GetTranscription().Chunks);
    }

    [Theory]
    [InlineData("""{"chunks":[]}""", "has no string 'text'")]
    [InlineData("""{"text":"a","chunks":{}}""", "has 'chunks' as an object, not a list")]
    [InlineData("""{"text":"a","chunks":[{"text":"a","timestamp":[0.0]}]}""", "'chunks' item 0 has no 'timestamp' [start, end]")]
    [InlineData("""{"text":"a","chunks":[{"text":"a","timestamp":["0",1]}]}""", "not two numbers (or null)")]
    [InlineData("""{"text":"a","chunks":[{"timestamp":[0,1]}]}""", "'chunks' item 0 has no string 'text'")]
    [InlineData("42", "it was a number")]
    public void GetTranscription_WrongShape_ThrowsNamingIt(string output, string detail)
    {
        var message = Refused(r => r.GetTranscription(), output);

        Assert.Contains("{text, chunks: [{text, timestamp: [start, end]}]}", message, StringComparison.Ordinal);
        Assert.Contains(detail, message, StringComparison.Ordinal);
    }

    // ---- the tasks that share the text readers -------------------------------------------------------------------

    [Fact]
    public void ZeroShotImageAndAudioClassification_ScoreFirstKeys_ReadByGetLabels()
    {
        var labels = Success("""[{"score":0.75,"label":"a photo of a cat"},{"score":0.25,"label":"a photo of a dog"}]""").GetLabels();

        Assert.Equal(["a photo of a cat", "a photo of a dog"], labels.Select(l => l.Label));
        Assert.Equal([0.75, 0.25], labels.Select(l => l.Score));
    }

    [Theory]
    [InlineData("\"two cats on a couch\"")]
    [InlineData("""[{"generated_text":"two cats on a couch"}]""")]
    public void ImageToText_BytezStringAndPipelineList_ReadByGetText(string output) =>
        Assert.Equal("two cats on a couch", Success(output).GetText());

    [Fact]
    public void ImageFeatureExtraction_TokensByHidden_AndThePipelinesBatchOfOne_ReadByGetEmbeddings()
    {
        var bytez = Success("[[1,2],[3,4],[5,6]]").GetEmbeddings();
        var python = Success("[[[1,2],[3,4],[5,6]]]").GetEmbeddings();

        Assert.Equal(3, bytez.Length);
        Assert.Equal(bytez, python);
        Assert.Equal([5f, 6f], python[2]);
    }

    [Fact]
    public void TheProtocolTypes_ReadTheWireShapes_WithTheSourceGeneratedContext()
    {
        var segments = Success($$"""[{"label":"wall","score":null,"mask_png":"{{PngBase64}}"}]""").GetOutput(ProtocolJsonContext.Default.IReadOnlyListImageSegment)!;
        var depth = Success($$"""{"depth_png":"{{PngBase64}}","formatted_predicted_depth_array":[[0,255]]}""").GetOutput(ProtocolJsonContext.Default.DepthEstimation)!;
        var transcription = Success("""{"text":"a b","chunks":[{"text":"a","timestamp":[0.5,null]}]}""").GetOutput(ProtocolJsonContext.Default.Transcription)!;
        var detections = Success("""[{"score":0.5,"label":"a","box":{"xmin":1,"ymin":2,"xmax":3,"ymax":4}}]""").GetOutput(ProtocolJsonContext.Default.IReadOnlyListDetectedObject)!;

        Assert.Equal(PngSignature, Assert.Single(segments).MaskPng);
        Assert.Equal([0, 255], Assert.Single(depth.FormattedPredictedDepthArray));
        Assert.Equal((0.5, (double?)null), (Assert.Single(transcription.Chunks).Start, transcription.Chunks[0].End));
        Assert.Equal(4, Assert.Single(detections).Box.YMax);
        // And back: the wire names, the mask as bare base64, no Start/End of our own.
        var written = JsonSerializer.Serialize(transcription, ProtocolJsonContext.Default.Transcription);
        Assert.Equal("""{"text":"a b","chunks":[{"text":"a","timestamp":[0.5,null]}]}""", written);
        Assert.Contains($"\"mask_png\":\"{PngBase64}\"", JsonSerializer.Serialize(segments, ProtocolJsonContext.Default.IReadOnlyListImageSegment), StringComparison.Ordinal);
    }

    [Fact]
    public void GetTranscription_FailedCall_ThrowsTheError()
    {
        var failed = new BytezResult(null, "Model not found", null, HttpStatusCode.NotFound);

        Assert.Equal("Model not found", Assert.Throws<BytezException>(() => failed.GetTranscription()).Message);
    }
}
