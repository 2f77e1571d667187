using System.Text;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez;

/// <summary>
/// Reads the task output shapes of the Bytez API (and the Hugging Face pipeline shapes they come from) into the
/// Protocol types, field by field, so that a wrong shape fails with a <see cref="BytezException"/> naming what was
/// expected and where the output differs. No reflection: trim and AOT safe.
/// </summary>
internal static partial class TaskOutputReader
{
    /// <summary>The keys under which Hugging Face's text2text, summarization, translation and text-generation pipelines return their text.</summary>
    private static readonly string[] TextKeys = ["generated_text", "summary_text", "translation_text"];

    private const string TextShape = "a string, a chat message with text content, or [{generated_text | summary_text | translation_text}]";
    private const string TextsShape = "a string, a list of strings, or [{generated_text | summary_text | translation_text}]";
    private const string LabelsShape = "a list of {label, score} (text-classification)";
    private const string EntitiesShape = "a list of {entity or entity_group, score, word, start, end} (token-classification)";
    private const string AnswersShape = "{score, start, end, answer} or a list of them (question-answering)";
    private const string FillMaskShape = "a list of {score, token, token_str, sequence} (fill-mask)";
    private const string FillMasksShape = "a list of {score, token, token_str, sequence}, or one such list per mask (fill-mask)";
    private const string ZeroShotShape = "{sequence, labels, scores} (zero-shot-classification)";
    private const string RankingShape = "a list of {corpus_id, score, text?} (text-ranking)";

    public static Uri MediaUrl(JsonElement output) =>
        output.ValueKind == JsonValueKind.String
            && Uri.TryCreate(output.GetString(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw Mismatch("an http or https URL string (a media task's file)", output);

    public static string Text(JsonElement output)
    {
        if (TryText(output, allowMessage: true) is { } text)
        {
            return text;
        }

        if (output.ValueKind == JsonValueKind.Array && output.GetArrayLength() == 1 && TryText(output[0], allowMessage: false) is { } only)
        {
            return only;
        }

        throw Mismatch(TextShape, output);
    }

    public static IReadOnlyList<string> Texts(JsonElement output)
    {
        if (output.ValueKind != JsonValueKind.Array)
        {
            return [TryText(output, allowMessage: true) ?? throw Mismatch(TextsShape, output)];
        }

        var texts = new string[output.GetArrayLength()];
        var index = 0;
        foreach (var item in output.EnumerateArray())
        {
            texts[index] = TryText(item, allowMessage: false)
                ?? throw Mismatch(TextsShape, output, $"item {index} is not a string or an object with one of {string.Join(", ", TextKeys)}");
            index++;
        }

        return texts;
    }

    public static IReadOnlyList<LabelScore> Labels(JsonElement output)
    {
        var shape = new Shape(LabelsShape, output);
        return output.ValueKind switch
        {
            JsonValueKind.Object => [ReadLabel(output, shape, "the object")],
            // [[{label, score}, ...]] is the legacy return_all_scores form of one text.
            _ => ListOrOnlyList(output, shape, ReadLabel),
        };
    }

    public static IReadOnlyList<TokenEntity> Entities(JsonElement output) =>
        output.ValueKind == JsonValueKind.Array
            ? ReadList(output, new Shape(EntitiesShape, output), ReadEntity)
            : throw Mismatch(EntitiesShape, output);

    public static AnswerSpan Answer(JsonElement output)
    {
        var answers = Answers(output);
        return answers.Count > 0 ? answers[0] : throw Mismatch(AnswersShape, output, "the list is empty");
    }

    public static IReadOnlyList<AnswerSpan> Answers(JsonElement output)
    {
        var shape = new Shape(AnswersShape, output);
        return output.ValueKind switch
        {
            JsonValueKind.Object => [ReadAnswer(output, shape, "the object")],
            JsonValueKind.Array => ReadList(output, shape, ReadAnswer),
            _ => throw Mismatch(AnswersShape, output),
        };
    }

    public static IReadOnlyList<MaskPrediction> FillMask(JsonElement output)
    {
        if (output.ValueKind == JsonValueKind.Array && output.GetArrayLength() > 0 && output[0].ValueKind == JsonValueKind.Array)
        {
            return output.GetArrayLength() == 1
                ? ReadList(output[0], new Shape(FillMaskShape, output), ReadPrediction)
                : throw Mismatch(FillMaskShape, output, $"it holds {output.GetArrayLength()} lists, one per mask (read them with GetFillMasks)");
        }

        return output.ValueKind == JsonValueKind.Array
            ? ReadList(output, new Shape(FillMaskShape, output), ReadPrediction)
            : throw Mismatch(FillMaskShape, output);
    }

    public static IReadOnlyList<IReadOnlyList<MaskPrediction>> FillMasks(JsonElement output)
    {
        var shape = new Shape(FillMasksShape, output);
        if (output.ValueKind != JsonValueKind.Array)
        {
            throw Mismatch(FillMasksShape, output);
        }

        if (output.GetArrayLength() == 0 || output[0].ValueKind != JsonValueKind.Array)
        {
            return [ReadList(output, shape, ReadPrediction)];
        }

        var masks = new IReadOnlyList<MaskPrediction>[output.GetArrayLength()];
        var index = 0;
        foreach (var mask in output.EnumerateArray())
        {
            masks[index] = mask.ValueKind == JsonValueKind.Array
                ? ReadList(mask, shape, ReadPrediction, $"list {index}, ")
                : throw shape.Mismatch($"item {index} is not a list");
            index++;
        }

        return masks;
    }

    public static ZeroShotClassification ZeroShot(JsonElement output)
    {
        var shape = new Shape(ZeroShotShape, output);
        var (item, where) = OneResult(output);

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw Mismatch(ZeroShotShape, output);
        }

        var sequence = RequireString(item, "sequence", shape, where);
        var labels = item.TryGetProperty("labels", out var labelArray) && labelArray.ValueKind == JsonValueKind.Array
            ? ReadList(labelArray, shape, static (label, shape, at) => label.ValueKind == JsonValueKind.String
                ? label.GetString()!
                : throw shape.Mismatch($"'labels' {at} is not a string"))
            : throw shape.Mismatch($"{where} has no list 'labels'");
        var scores = item.TryGetProperty("scores", out var scoreArray) && scoreArray.ValueKind == JsonValueKind.Array
            ? ReadList(scoreArray, shape, static (score, shape, at) => score.ValueKind == JsonValueKind.Number
                ? score.GetDouble()
                : throw shape.Mismatch($"'scores' {at} is not a number"))
            : throw shape.Mismatch($"{where} has no list 'scores'");
        if (labels.Count != scores.Count)
        {
            throw shape.Mismatch($"it has {labels.Count} labels but {scores.Count} scores");
        }

        return new ZeroShotClassification { Sequence = sequence, Labels = labels, Scores = scores };
    }

    public static IReadOnlyList<RankedDocument> Ranking(JsonElement output) =>
        output.ValueKind == JsonValueKind.Array
            ? ReadList(output, new Shape(RankingShape, output), ReadRanked)
            : throw Mismatch(RankingShape, output);

    /// <summary>The failure of an accessor whose output has another shape: what was expected, and the output (cut at 200 characters).</summary>
    public static BytezException Mismatch(string expected, JsonElement output, string? detail = null)
    {
        var text = output.GetRawText();
        if (text.Length > 200)
        {
            text = new StringBuilder(text, 0, 200, 203).Append("...").ToString();
        }

        var what = detail ?? $"it was {Describe(output.ValueKind)}";
        return new BytezException($"Expected the output to be {expected}, but {what}: {text}");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string? TryText(JsonElement element, bool allowMessage)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString();
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (allowMessage && element.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        foreach (var key in TextKeys)
        {
            if (element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }

    /// <summary>
    /// The items of a list answer, or of the only list inside a list of one (<c>[[...]]</c>: the pipeline's answer for a
    /// list of one input); anything else is a mismatch naming <paramref name="shape"/>.
    /// </summary>
    private static IReadOnlyList<T> ListOrOnlyList<T>(JsonElement output, Shape shape, Func<JsonElement, Shape, string, T> read) =>
        output.ValueKind != JsonValueKind.Array ? throw Mismatch(shape.Expected, output)
        : output.GetArrayLength() == 1 && output[0].ValueKind == JsonValueKind.Array ? ReadList(output[0], shape, read)
        : ReadList(output, shape, read);

    /// <summary>
    /// The one result of an answer: the value itself, or the only item of a list of one (the pipeline's answer for a
    /// list of one input), with where it was found for messages.
    /// </summary>
    private static (JsonElement Item, string Where) OneResult(JsonElement output) =>
        output.ValueKind == JsonValueKind.Array && output.GetArrayLength() == 1 ? (output[0], "item 0") : (output, "the object");

    private static IReadOnlyList<T> ReadList<T>(JsonElement array, Shape shape, Func<JsonElement, Shape, string, T> read, string prefix = "")
    {
        var items = new T[array.GetArrayLength()];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            items[index] = read(item, shape, $"{prefix}item {index}");
            index++;
        }

        return items;
    }

    private static LabelScore ReadLabel(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        return new LabelScore { Label = RequireString(item, "label", shape, where), Score = RequireNumber(item, "score", shape, where) };
    }

    private static TokenEntity ReadEntity(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        var entity = OptionalString(item, "entity", shape, where);
        var group = OptionalString(item, "entity_group", shape, where);
        if (entity is null && group is null)
        {
            throw shape.Mismatch($"{where} has neither a string 'entity' nor a string 'entity_group'");
        }

        return new TokenEntity
        {
            Entity = entity,
            EntityGroup = group,
            Score = RequireNumber(item, "score", shape, where),
            Index = OptionalInt(item, "index", shape, where),
            Word = RequireString(item, "word", shape, where),
            Start = OptionalInt(item, "start", shape, where),
            End = OptionalInt(item, "end", shape, where),
        };
    }

    private static AnswerSpan ReadAnswer(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        return new AnswerSpan
        {
            Score = RequireNumber(item, "score", shape, where),
            Start = RequireInt(item, "start", shape, where),
            End = RequireInt(item, "end", shape, where),
            Answer = RequireString(item, "answer", shape, where),
        };
    }

    private static MaskPrediction ReadPrediction(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        return new MaskPrediction
        {
            Score = RequireNumber(item, "score", shape, where),
            Token = RequireInt(item, "token", shape, where),
            TokenStr = RequireString(item, "token_str", shape, where),
            Sequence = RequireString(item, "sequence", shape, where),
        };
    }

    private static RankedDocument ReadRanked(JsonElement item, Shape shape, string where)
    {
        RequireObject(item, shape, where);
        // corpus_id is sentence-transformers' name; text-embeddings-inference's /rerank calls it index.
        var id = OptionalInt(item, "corpus_id", shape, where) ?? OptionalInt(item, "index", shape, where)
            ?? throw shape.Mismatch($"{where} has no integer 'corpus_id'");
        return new RankedDocument
        {
            CorpusId = id,
            Score = RequireNumber(item, "score", shape, where),
            Text = OptionalString(item, "text", shape, where),
        };
    }

    private static void RequireObject(JsonElement item, Shape shape, string where)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw shape.Mismatch($"{where} is {Describe(item.ValueKind)}, not an object");
        }
    }

    private static string RequireString(JsonElement item, string name, Shape shape, string where) =>
        OptionalString(item, name, shape, where) ?? throw shape.Mismatch($"{where} has no string '{name}'");

    private static string? OptionalString(JsonElement item, string name, Shape shape, string where)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw shape.Mismatch($"{where} has '{name}' as {Describe(value.ValueKind)}, not a string");
    }

    private static double RequireNumber(JsonElement item, string name, Shape shape, string where) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw shape.Mismatch($"{where} has no number '{name}'");

    private static int RequireInt(JsonElement item, string name, Shape shape, string where) =>
        OptionalInt(item, name, shape, where) ?? throw shape.Mismatch($"{where} has no integer '{name}'");

    private static int? OptionalInt(JsonElement item, string name, Shape shape, string where)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw shape.Mismatch($"{where} has '{name}' as {value.GetRawText()}, not an integer");
    }

    /// <summary>What an accessor expected and the whole output, for its error messages.</summary>
    private readonly record struct Shape(string Expected, JsonElement Output)
    {
        public BytezException Mismatch(string detail) => TaskOutputReader.Mismatch(Expected, Output, detail);
    }
}
