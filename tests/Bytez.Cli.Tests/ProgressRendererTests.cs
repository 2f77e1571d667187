using Bytez.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Cli.Tests;

public sealed class ProgressRendererTests
{
    private static readonly ModelRequestFile[] Files =
    [
        new() { Path = "onnx/model.onnx", Size = 800 },
        new() { Path = "tokenizer.json", Size = 200 },
    ];

    internal static ModelRequestStatus Status(string state, long done = 0, long total = 0, string? error = null) => new()
    {
        ModelId = "org/name",
        State = state,
        BytesDone = done,
        BytesTotal = total,
        Files = total > 0 ? Files : [],
        Error = error,
    };

    /// <summary>A job from the queue to ready, with the clock moving one second between reads.</summary>
    private static string Render(bool interactive, int maxWidth = 0, params ModelRequestStatus[] statuses)
    {
        var clock = new FakeTimeProvider();
        using var writer = new StringWriter { NewLine = "\n" };
        var renderer = new ProgressRenderer(writer, interactive, clock, maxWidth);
        foreach (var status in statuses)
        {
            renderer.Report(status);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        renderer.Complete();
        return writer.ToString();
    }

    private static readonly ModelRequestStatus[] Journey =
    [
        Status("queued"),
        Status("downloading"),
        Status("downloading", 0, 1000),
        Status("downloading", 500, 1000),
        Status("downloading", 550, 1000),
        Status("downloading", 900, 1000),
        Status("downloading", 1000, 1000),
        Status("verifying", 1000, 1000),
        Status("measuring", 1000, 1000),
        Status("ready", 1000, 1000),
    ];

    [Fact]
    public void Report_Interactive_RedrawsOneLineWithBarRateAndFile()
    {
        var output = Render(interactive: true, maxWidth: 0, Journey);

        Assert.EndsWith("\n", output, StringComparison.Ordinal);
        Assert.Single(output, c => c == '\n');
        var frames = output.TrimEnd('\n').Split('\r')[1..];
        Assert.Equal(
        [
            "queued      waiting for a download slot",
            "downloading reading the repository",
            "downloading [..............................]   0.0 %  0 B / 1.0 kB  onnx/model.onnx",
            "downloading [###############...............]  50.0 %  500 B / 1.0 kB  500 B/s  onnx/model.onnx",
            "downloading [################..............]  55.0 %  550 B / 1.0 kB  275 B/s  onnx/model.onnx",
            "downloading [###########################...]  90.0 %  900 B / 1.0 kB  300 B/s  tokenizer.json",
            "downloading [##############################] 100.0 %  1.0 kB / 1.0 kB  250 B/s",
            "verifying   [##############################] 100.0 %  1.0 kB / 1.0 kB",
            "measuring   [##############################] 100.0 %  1.0 kB / 1.0 kB",
            "ready       [##############################] 100.0 %  1.0 kB / 1.0 kB",
        ], frames.Select(f => f.TrimEnd()));

        // A shorter frame is padded with spaces to clear what the longer one before it left on screen.
        for (var i = 1; i < frames.Length; i++)
        {
            Assert.True(frames[i].Length >= frames[i - 1].TrimEnd().Length, $"frame {i} does not cover frame {i - 1}");
        }
    }

    [Fact]
    public void Report_Redirected_WritesStateChangesAndEveryTenPercent()
    {
        var output = Render(interactive: false, maxWidth: 0, Journey);

        Assert.DoesNotContain('\r', output);
        Assert.Equal(
            """
            queued
            downloading
            downloading: 2 files, 1.0 kB
            downloading: 50 % (500 B / 1.0 kB)
            downloading: 90 % (900 B / 1.0 kB)
            downloading: 100 % (1.0 kB / 1.0 kB)
            verifying
            measuring
            ready

            """.ReplaceLineEndings("\n"),
            output);
    }

    [Fact]
    public void Report_RedirectedResumedDownload_StartsFromItsDecile()
    {
        var output = Render(
            interactive: false, maxWidth: 0,
            Status("downloading", 350, 1000), Status("downloading", 390, 1000), Status("downloading", 420, 1000),
            Status("failed", 420, 1000, "Connection reset"));

        Assert.Equal(
            "downloading: 2 files, 1.0 kB\ndownloading: 40 % (420 B / 1.0 kB)\nfailed\n",
            output);
    }

    [Fact]
    public void Report_InteractiveFinalState_EndsTheLineOnce()
    {
        var clock = new FakeTimeProvider();
        using var writer = new StringWriter { NewLine = "\n" };
        var renderer = new ProgressRenderer(writer, interactive: true, clock);

        renderer.Report(Status("downloading", 10, 1000));
        renderer.Report(Status("failed", 10, 1000, "Cancelled"));
        renderer.Complete();
        renderer.Complete();

        Assert.EndsWith("\n", writer.ToString(), StringComparison.Ordinal);
        Assert.Single(writer.ToString(), c => c == '\n');
        Assert.Equal("failed", renderer.Last?.State);
    }

    [Fact]
    public void Report_InteractiveNarrowTerminal_CutsTheLineBeforeTheEdge()
    {
        var output = Render(interactive: true, maxWidth: 40, Status("downloading", 500, 1000));

        var frame = output.TrimEnd('\n').Split('\r')[1];
        Assert.Equal(39, frame.Length);
        Assert.StartsWith("downloading [####", frame, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "onnx/model.onnx")]
    [InlineData(799, "onnx/model.onnx")]
    [InlineData(800, "tokenizer.json")]
    [InlineData(1000, null)]
    public void CurrentFile_BytesDone_IsTheFirstFileNotComplete(long done, string? expected)
    {
        Assert.Equal(expected, ProgressRenderer.CurrentFile(Status("downloading", done, 1000)));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1000, "1.0 kB")]
    [InlineData(1_234_567, "1.2 MB")]
    [InlineData(999_960_000, "1.0 GB")]
    [InlineData(3_400_000_000, "3.4 GB")]
    public void Bytes_Count_UsesDecimalUnits(long bytes, string expected)
    {
        Assert.Equal(expected, Format.Bytes(bytes));
    }

    [Fact]
    public void Line_ResolvingWhileRetrying_SaysItReadsTheRepositoryAndWhyItRetries()
    {
        var status = new ModelRequestStatus
        {
            ModelId = "org/name",
            State = ModelRequestStates.Resolving,
            Retries = 2,
            NextAttemptAt = DateTimeOffset.UnixEpoch,
            RetryReason = "Connection refused",
        };

        var line = ProgressRenderer.Line(status, null);

        Assert.StartsWith("resolving", line, StringComparison.Ordinal);
        Assert.Contains("reading the repository", line, StringComparison.Ordinal);
        Assert.Contains("retry 2: Connection refused", line, StringComparison.Ordinal);
    }
}
