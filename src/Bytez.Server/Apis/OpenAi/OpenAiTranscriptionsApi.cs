using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST audio/transcriptions</c> and <c>POST audio/translations</c>: OpenAI's multipart upload over the catalog's
/// automatic-speech-recognition models (Whisper and CTC), run through the engine's one speech path (the Bytez route's
/// answer for the same sound, Whisper with <c>chunk_length_s</c> 30). Fields: <c>file</c> (required), <c>model</c>
/// (required), <c>language</c> (Whisper's language parameter; refused for a CTC model, which speaks one), <c>prompt</c>
/// (Whisper's previous-text prompt, <c>&lt;|startofprev|&gt;</c> and its tokens before each window's start token, as
/// transformers' <c>prompt_ids</c>; refused for a CTC model), <c>response_format</c> (<c>json</c> by default,
/// <c>text</c>, <c>srt</c>, <c>vtt</c>, <c>verbose_json</c>), <c>temperature</c> (0, the default, decodes greedily;
/// above 0 Whisper samples at that temperature; a CTC model takes only 0), <c>timestamp_granularities[]</c>
/// (<c>segment</c>; <c>word</c> is refused). Sound longer than Whisper's 30-second window is cut into 30-second
/// windows with 5-second strides on each side and merged as the Bytez route's <c>chunk_length_s</c> 30 does.
/// Translations run Whisper's <c>translate</c> task (multilingual Whisper only). Segments are the pipeline's
/// timestamped chunks (Whisper's segments, a CTC model's words); <c>verbose_json</c> carries <c>duration</c>,
/// <c>language</c> and per segment <c>id</c>, <c>seek</c>, <c>start</c>, <c>end</c>, <c>text</c>, <c>tokens</c>,
/// <c>temperature</c>, <c>compression_ratio</c> and (Whisper) <c>no_speech_prob</c>; <c>avg_logprob</c> is left out,
/// because the decoder does not keep token log-probabilities.
/// </summary>
public static class OpenAiTranscriptionsApi
{
    private static readonly string[] Formats = ["json", "text", "srt", "vtt", "verbose_json"];

    /// <summary>Maps the transcription and translation routes onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiTranscriptions(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/audio/transcriptions", (HttpContext context, InferenceEngine engine) => RunAsync(context, engine, translate: false));
        api.MapPost("/audio/translations", (HttpContext context, InferenceEngine engine) => RunAsync(context, engine, translate: true));
        return api;
    }

    private static async Task RunAsync(HttpContext context, InferenceEngine engine, bool translate)
    {
        var form = await MultipartBody.ReadAsync(context, "file").ConfigureAwait(false);
        var modelId = form.Get("model") is { Length: > 0 } m
            ? m
            : throw EngineException.BadInput("'model' is required: the id of a speech-recognition model.");
        var model = engine.FindModel(modelId);
        if (model.Task != BytezTasks.AutomaticSpeechRecognition)
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', not {BytezTasks.AutomaticSpeechRecognition}; use a speech-recognition model (Whisper or CTC).");
        }

        var file = form.File ?? throw EngineException.BadInput("'file' is required: the audio to transcribe, as a file part of the form (WAV, MP3, FLAC, ...).");
        if (file.Data.Length == 0)
        {
            throw EngineException.BadInput("'file' is empty; send the audio's bytes.");
        }

        var format = form.Get("response_format") ?? "json";
        if (!Formats.Contains(format, StringComparer.Ordinal))
        {
            throw EngineException.BadInput($"'response_format' must be one of {string.Join(", ", Formats)}; got \"{format}\".");
        }

        foreach (var granularity in form.GetAll("timestamp_granularities[]").Concat(form.GetAll("timestamp_granularities")))
        {
            if (granularity == "word")
            {
                throw EngineException.BadInput(
                    "'timestamp_granularities' word is not supported: this server gives segment timestamps only (Whisper's word timestamps need the decoder's cross-attention, which its ONNX exports do not output). Send segment.");
            }

            if (granularity != "segment")
            {
                throw EngineException.BadInput($"'timestamp_granularities' takes segment; got \"{granularity}\".");
            }
        }

        var whisper = InferenceEngine.ModelType(model) == "whisper";
        var timestamps = format is "srt" or "vtt" or "verbose_json";
        var parameters = Parameters(form, whisper, translate, timestamps, format == "verbose_json", out var temperature);
        var request = new RunRequest { Base64 = Convert.ToBase64String(file.Data), Params = parameters };
        var result = await engine.TranscribeAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
        var transcript = Transcript.From(result.Output);
        var task = translate ? "translate" : "transcribe";

        switch (format)
        {
            case "json":
                await OpenAiApi.WriteJsonAsync(context, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("text", transcript.Text);
                    writer.WriteEndObject();
                }).ConfigureAwait(false);
                break;
            case "verbose_json":
                await OpenAiApi.WriteJsonAsync(context, writer => WriteVerbose(writer, transcript, result, task, form.Get("language"), temperature)).ConfigureAwait(false);
                break;
            default:
                var text = format switch
                {
                    "srt" => Subtitles.Srt(transcript.Segments),
                    "vtt" => Subtitles.Vtt(transcript.Segments),
                    _ => transcript.Text + "\n",
                };
                await WriteTextAsync(context, text, format == "vtt" ? "text/vtt; charset=utf-8" : "text/plain; charset=utf-8").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>The engine's parameters for the form's options, refusing those the model's family does not take.</summary>
    private static JsonElement Parameters(MultipartForm form, bool whisper, bool translate, bool timestamps, bool languages, out double temperature)
    {
        temperature = 0;
        if (form.Get("temperature") is { } t)
        {
            temperature = double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
                ? value
                : throw EngineException.BadInput($"'temperature' must be a number from 0 to 1; got \"{t}\".");
        }

        var language = form.Get("language") is { Length: > 0 } l ? l : null;
        var prompt = form.Get("prompt") is { } p && !string.IsNullOrWhiteSpace(p) ? p : null;
        if (!whisper)
        {
            if (prompt is not null)
            {
                throw EngineException.BadInput("'prompt' is not taken by this model: a CTC model reads each frame alone and cannot be conditioned on a previous text. Leave it out, or use a Whisper model.");
            }

            if (translate)
            {
                throw EngineException.BadInput(
                    "audio/translations needs a multilingual Whisper model (task translate); this model is a CTC model, which only transcribes its one language.");
            }

            if (language is not null)
            {
                throw EngineException.BadInput("'language' is not taken by this model: a CTC model transcribes the one language it was trained on. Leave it out.");
            }

            if (temperature != 0)
            {
                throw EngineException.BadInput("'temperature' must be 0 for this model: a CTC model takes each frame's most likely character and does not sample.");
            }
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (whisper)
            {
                // Long sound in 30-second windows, as the Bytez route's chunk_length_s 30 (one window when shorter).
                writer.WriteNumber("chunk_length_s", 30);
                if (prompt is not null)
                {
                    writer.WriteString("prompt", prompt);
                }

                if (timestamps)
                {
                    writer.WriteBoolean("return_timestamps", true);
                }

                if (languages)
                {
                    writer.WriteBoolean("return_language", true);
                }

                if (language is not null)
                {
                    writer.WriteString("language", language);
                }

                if (translate)
                {
                    writer.WriteString("task", "translate");
                }

                if (temperature > 0)
                {
                    writer.WriteBoolean("do_sample", true);
                    writer.WriteNumber("temperature", temperature);
                }
            }
            else if (timestamps)
            {
                writer.WriteString("return_timestamps", "word");
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteVerbose(Utf8JsonWriter writer, Transcript transcript, SpeechTranscription result, string task, string? language, double temperature)
    {
        writer.WriteStartObject();
        writer.WriteString("task", task);
        if ((transcript.Segments.FirstOrDefault(s => s.Language is not null)?.Language ?? language) is { } spoken)
        {
            writer.WriteString("language", spoken);
        }

        writer.WriteNumber("duration", Math.Round(result.Duration, 3));
        writer.WriteString("text", transcript.Text);
        writer.WriteStartArray("segments");
        for (var id = 0; id < transcript.Segments.Count; id++)
        {
            var segment = transcript.Segments[id];
            var whisper = result.Segments is { } all && id < all.Count ? all[id] : null;
            writer.WriteStartObject();
            writer.WriteNumber("id", id);
            writer.WriteNumber("seek", whisper?.Seek ?? 0);
            writer.WriteNumber("start", segment.Start);
            writer.WriteNumber("end", segment.End);
            writer.WriteString("text", segment.Text);
            writer.WriteStartArray("tokens");
            foreach (var token in whisper?.Tokens ?? [])
            {
                writer.WriteNumberValue(token);
            }

            writer.WriteEndArray();
            writer.WriteNumber("temperature", temperature);
            writer.WriteNumber("compression_ratio", Math.Round(CompressionRatio(segment.Text), 4));
            if (whisper?.NoSpeechProbability is { } noSpeech)
            {
                writer.WriteNumber("no_speech_prob", noSpeech);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// The text's UTF-8 length over its zlib-compressed length, as OpenAI's Whisper computes <c>compression_ratio</c>
    /// (high for repetitive text); 0 for empty text.
    /// </summary>
    internal static double CompressionRatio(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length == 0)
        {
            return 0;
        }

        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(bytes);
        }

        return bytes.Length / (double)compressed.Length;
    }

    private static async Task WriteTextAsync(HttpContext context, string text, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The engine's answer read back: the Bytez output is the transcript as a string, or <c>{"text", "chunks": [{"text",
    /// "timestamp": [start, end], "language"?}]}</c> when timestamps or languages were asked.
    /// </summary>
    internal sealed record Transcript(string Text, IReadOnlyList<Segment> Segments)
    {
        public static Transcript From(TaskOutput output)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                output.WriteTo(writer);
            }

            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.String)
            {
                return new Transcript(root.GetString()!, []);
            }

            var segments = new List<Segment>();
            double last = 0;
            if (root.TryGetProperty("chunks", out var chunks))
            {
                foreach (var chunk in chunks.EnumerateArray())
                {
                    double? start = null, end = null;
                    if (chunk.TryGetProperty("timestamp", out var stamp) && stamp.ValueKind == JsonValueKind.Array)
                    {
                        var pair = stamp.EnumerateArray().ToArray();
                        start = pair.Length > 0 && pair[0].ValueKind == JsonValueKind.Number ? pair[0].GetDouble() : null;
                        end = pair.Length > 1 && pair[1].ValueKind == JsonValueKind.Number ? pair[1].GetDouble() : null;
                    }

                    // Whisper leaves a segment's end null when the sound ends before its closing timestamp.
                    var s = start ?? last;
                    var e = end ?? s;
                    last = e;
                    var language = chunk.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
                    segments.Add(new Segment(chunk.GetProperty("text").GetString() ?? "", s, e, language));
                }
            }

            return new Transcript(root.GetProperty("text").GetString() ?? "", segments);
        }
    }

    /// <summary>One timestamped piece of a transcript, in seconds.</summary>
    internal sealed record Segment(string Text, double Start, double End, string? Language);
}
