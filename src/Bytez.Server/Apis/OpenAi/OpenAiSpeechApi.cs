using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Media;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST audio/speech</c>: OpenAI's speech request over the catalog's text-to-speech models (VITS / MMS-TTS), the
/// audio bytes as the answer. <c>input</c> is the text; <c>voice</c> is accepted whatever it names (each model has one
/// voice); <c>speed</c> must be 1 (a VITS export fixes its speaking rate); <c>response_format</c> is <c>wav</c> by
/// default (the model's 32-bit float WAV, needing nothing else; OpenAI's own default, mp3, is given when asked),
/// <c>pcm</c> (raw 16-bit little-endian mono at the model's rate, given in <c>X-Sample-Rate</c>), or <c>mp3</c>,
/// <c>opus</c>, <c>aac</c>, <c>flac</c> encoded by ffmpeg when it is on the PATH (else 400 saying so).
/// </summary>
public static class OpenAiSpeechApi
{
    private const string Example = "{\"model\": \"facebook/mms-tts-eng\", \"input\": \"Hello!\", \"voice\": \"alloy\"}";

    /// <summary>The longest ffmpeg may take to encode one answer.</summary>
    private static readonly TimeSpan EncodeTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string?> Ffmpeg = new(() => new AudioDecoder(new MediaLimits()).FfmpegPath);

    /// <summary>The formats ffmpeg makes: its muxer, codec and the answer's content type.</summary>
    private static readonly Dictionary<string, (string Muxer, string Codec, string ContentType)> Encoded = new(StringComparer.Ordinal)
    {
        ["mp3"] = ("mp3", "libmp3lame", "audio/mpeg"),
        ["opus"] = ("ogg", "libopus", "audio/ogg"),
        ["aac"] = ("adts", "aac", "audio/aac"),
        ["flac"] = ("flac", "flac", "audio/flac"),
    };

    /// <summary>Maps the speech route onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiSpeech(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/audio/speech", SpeakAsync);
        return api;
    }

    private static async Task SpeakAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, Example).ConfigureAwait(false);

        var model = engine.FindModel(String(body, "model") ?? throw EngineException.BadInput($"'model' is required: the id of a text-to-speech model, such as {Example}."));
        if (model.Task != BytezTasks.TextToSpeech)
        {
            throw EngineException.BadInput($"{model.Id} runs '{model.Task}', not {BytezTasks.TextToSpeech}; use a text-to-speech model.");
        }

        var input = String(body, "input") ?? throw EngineException.BadInput($"'input' is required: the text to speak, such as {Example}.");
        _ = String(body, "voice"); // every model here has one voice: any name is that voice
        if (body.TryGetProperty("speed", out var speed) && speed.ValueKind != JsonValueKind.Null
            && !(speed.ValueKind == JsonValueKind.Number && speed.GetDouble() == 1))
        {
            throw EngineException.BadInput($"'speed' must be 1 here (got {RunRequestReader.Describe(speed)}): a VITS export fixes its speaking rate.");
        }

        var format = String(body, "response_format") ?? "wav";
        if (format is not ("wav" or "pcm") && !Encoded.ContainsKey(format))
        {
            throw EngineException.BadInput($"'response_format' must be wav, pcm, mp3, opus, aac or flac; got \"{format}\".");
        }

        if (Encoded.ContainsKey(format) && Ffmpeg.Value is null)
        {
            throw EngineException.BadInput($"'response_format' {format} needs ffmpeg, which this server does not have on its PATH; ask for wav or pcm.");
        }

        var output = await engine.RunAsync(model.Id, new RunRequest { Text = input }, context.RequestAborted).ConfigureAwait(false);
        if (output is not MediaOutput { ContentType: "audio/wav" } wav)
        {
            throw new InvalidOperationException($"The text-to-speech pipeline answered {output.GetType().Name}, not a WAV.");
        }

        var (bytes, contentType) = format switch
        {
            "wav" => (wav.Data, "audio/wav"),
            "pcm" => (Pcm16(wav.Data, out _), "audio/pcm"),
            _ => (await EncodeAsync(wav.Data, format, context.RequestAborted).ConfigureAwait(false), Encoded[format].ContentType),
        };

        if (format == "pcm")
        {
            context.Response.Headers["X-Sample-Rate"] = Rate(wav.Data).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static string? String(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw EngineException.BadInput($"'{name}' must be a string; got {RunRequestReader.Describe(value)}.");

    /// <summary>The sampling rate of the pipeline's WAV (<see cref="WavEncoder"/>'s layout).</summary>
    private static int Rate(byte[] wav) => (int)BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(24));

    /// <summary>
    /// The float samples of the pipeline's WAV as 16-bit little-endian integers: each clamped to [-1, 1], times 32767,
    /// rounded half to even (as numpy's <c>(x * 32767).round().astype(int16)</c>).
    /// </summary>
    internal static byte[] Pcm16(byte[] wav, out int rate)
    {
        rate = Rate(wav);
        var samples = (wav.Length - WavEncoder.HeaderLength) / 4;
        var pcm = new byte[samples * 2];
        for (var i = 0; i < samples; i++)
        {
            var x = BinaryPrimitives.ReadSingleLittleEndian(wav.AsSpan(WavEncoder.HeaderLength + (i * 4)));
            var s = (short)Math.Round(Math.Clamp(x, -1f, 1f) * 32767f, MidpointRounding.ToEven);
            BinaryPrimitives.WriteInt16LittleEndian(pcm.AsSpan(i * 2), s);
        }

        return pcm;
    }

    /// <summary>Encodes the WAV with ffmpeg (the file on stdin, the encoded one on stdout), within <see cref="EncodeTimeout"/>.</summary>
    private static async Task<byte[]> EncodeAsync(byte[] wav, string format, CancellationToken cancellationToken)
    {
        var (muxer, codec, _) = Encoded[format];
        var start = new ProcessStartInfo(Ffmpeg.Value!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", "-c:a", codec, "-f", muxer, "pipe:1"])
        {
            start.ArgumentList.Add(arg);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EncodeTimeout);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        try
        {
            var output = new MemoryStream();
            var reading = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.BaseStream.WriteAsync(wav, timeout.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            await reading.ConfigureAwait(false);
            var message = await errors.ConfigureAwait(false);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return process.ExitCode == 0
                ? output.ToArray()
                : throw new InvalidOperationException($"ffmpeg could not encode {format} (exit code {process.ExitCode}): {message.Trim()}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineException(EngineErrorKind.TimedOut, $"ffmpeg did not encode the {format} audio within {EncodeTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
