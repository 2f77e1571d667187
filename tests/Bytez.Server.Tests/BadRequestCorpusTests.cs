using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bytez.Testing;

namespace Bytez.Server.Tests;

/// <summary>
/// Sends every request of Corpus/bad-requests.json (malformed requests on every route, written by
/// Corpus/generate.py) to one real server with the embedded embedding models and the tiny generative models, and
/// checks what a client would: no answer at or above 500, every error in the envelope (except the Kestrel cases
/// docs/api.md lists, flagged <c>kestrel</c> in the corpus), none slower than 10 s, and the server still serving.
/// </summary>
public sealed partial class BadRequestCorpusTests
{
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Corpus_EveryMalformedRequest_IsAnsweredBelow500InTheEnvelopeWithin10Seconds()
    {
        await using var generation = await GenerationServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:EmbeddedModels"] = "true",
            ["Bytez:Hub:Endpoint"] = "http://127.0.0.1:9", // model requests queue, then fail fast: nothing leaves the machine
            ["Bytez:Hub:MaxAttempts"] = "1",
        });
        var server = generation.Server.BaseAddress;
        var entries = Load();
        Assert.True(entries.Count >= 300, $"the corpus has {entries.Count} requests");

        var failures = new List<string>();
        foreach (var entry in entries)
        {
            var answer = await RawHttp.SendAsync(server, Build(entry), entry.HalfClose, Slowest + TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            if (Check(entry, answer) is { } problem)
            {
                failures.Add($"{entry.Name}: {problem}");
            }

            if (entry.Kestrel)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"Kestrel case, {answer.Status} {(answer.Body.Length == 0 ? "bare" : "envelope")}: {entry.Name}");
            }

            if (answer.Elapsed > TimeSpan.FromSeconds(1))
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{answer.Elapsed.TotalSeconds:0.0} s, {answer.Status}: {entry.Name}");
            }
        }

        using var client = generation.Server.CreateHttpClient();
        var alive = await client.PostAsync(
            "sentence-transformers/all-MiniLM-L6-v2", new StringContent("""{"input": "still here"}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.True(failures.Count == 0, $"{failures.Count} of {entries.Count} requests failed:\n{string.Join('\n', failures)}");
        Assert.Equal(System.Net.HttpStatusCode.OK, alive.StatusCode);
    }

    /// <summary>What is wrong with an answer, or <see langword="null"/>.</summary>
    private static string? Check(Entry entry, RawHttp.Answer answer)
    {
        if (answer.Elapsed > Slowest)
        {
            return $"took {answer.Elapsed.TotalSeconds:0.0} s";
        }

        if (answer.Status < 0)
        {
            return "no answer in time";
        }

        if (answer.Status == 0)
        {
            return entry.Kestrel ? null : "the connection closed without an answer";
        }

        if (answer.Status >= 500 && !(entry.Kestrel && answer.Status == entry.AllowStatus && answer.Body.Length == 0))
        {
            return $"{answer.Status}: {Shorten(answer.Text)}";
        }

        if (answer.Status >= 400)
        {
            if (IsErrorEnvelope(answer.Body))
            {
                return null;
            }

            return entry.Kestrel && answer.Body.Length == 0 ? null : $"{answer.Status} without the envelope: {Shorten(answer.Text)}";
        }

        // A success: the v2 API answers in the envelope (or streams text); v1, metrics and health have their own shapes.
        var v2 = entry.Path.StartsWith("/models/v2/", StringComparison.Ordinal);
        return v2 && answer.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true && !IsSuccessEnvelope(answer.Body)
            ? $"{answer.Status} outside the envelope: {Shorten(answer.Text)}"
            : null;
    }

    private static bool IsErrorEnvelope(byte[] body) => Envelope(body) is { } root
        && root.GetProperty("error").ValueKind == JsonValueKind.String
        && root.GetProperty("output").ValueKind == JsonValueKind.Null;

    private static bool IsSuccessEnvelope(byte[] body) => Envelope(body) is { } root && root.GetProperty("error").ValueKind == JsonValueKind.Null;

    private static JsonElement? Envelope(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out _) && root.TryGetProperty("output", out _)
                ? root.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;

    /// <summary>The bytes of an entry's request, with its placeholders filled in.</summary>
    private static byte[] Build(Entry entry)
    {
        if (entry.Raw is { } raw)
        {
            return Fill(Convert.FromBase64String(raw));
        }

        byte[] body;
        if (entry.BodyBase64 is { } base64)
        {
            body = Fill(Convert.FromBase64String(base64));
        }
        else if (entry.BodyRepeat is { } repeat)
        {
            var text = new StringBuilder(Fill(repeat.Prefix));
            var item = Fill(repeat.Item);
            for (var i = 0; i < repeat.Count; i++)
            {
                text.Append(i > 0 ? repeat.Separator : string.Empty).Append(item);
            }

            body = Encoding.UTF8.GetBytes(text.Append(Fill(repeat.Suffix)).ToString());
        }
        else
        {
            body = entry.Body is null ? [] : Encoding.UTF8.GetBytes(Fill(entry.Body));
        }

        var head = new StringBuilder($"{entry.Method} {Fill(entry.Path)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (!entry.NoAuth)
        {
            head.Append($"Authorization: Key {TestServer.Key}\r\n");
        }

        var headers = entry.Headers ?? [];
        foreach (var (name, value) in headers)
        {
            head.Append($"{name}: {Fill(value)}\r\n");
        }

        if (!headers.Keys.Any(h => h.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || h.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)))
        {
            head.Append($"Content-Length: {body.Length}\r\n");
        }

        return [.. Encoding.UTF8.GetBytes(head.Append("\r\n").ToString()), .. body];
    }

    private static string Fill(string text)
    {
        text = Repeat().Replace(text, m => string.Concat(Enumerable.Repeat(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))));
        return text
            .Replace("{embed}", "sentence-transformers/all-MiniLM-L6-v2", StringComparison.Ordinal)
            .Replace("{arctic}", "Snowflake/snowflake-arctic-embed-xs", StringComparison.Ordinal)
            .Replace("{gen}", GenerationServer.GgufModel, StringComparison.Ordinal)
            .Replace("{onnxgen}", GenerationServer.OnnxModel, StringComparison.Ordinal)
            .Replace("{slow}", GenerationServer.SlowGgufModel, StringComparison.Ordinal)
            .Replace("{key}", TestServer.Key, StringComparison.Ordinal);
    }

    /// <summary>Fills placeholders in raw bytes, leaving every other byte (invalid UTF-8 included) as it is.</summary>
    private static byte[] Fill(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        return Encoding.Latin1.GetBytes(Fill(text));
    }

    [GeneratedRegex(@"\{repeat:(.+?):(\d+)\}")]
    private static partial Regex Repeat();

    private static List<Entry> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Corpus", "bad-requests.json");
        return JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    private sealed record Entry(
        string Name, string Method, string Path, Dictionary<string, string>? Headers, string? Body, string? BodyBase64,
        RepeatBody? BodyRepeat, string? Raw, bool Kestrel, bool NoAuth, bool HalfClose, int? AllowStatus);

    private sealed record RepeatBody(string Prefix, string Item, int Count, string Separator, string Suffix);
}
