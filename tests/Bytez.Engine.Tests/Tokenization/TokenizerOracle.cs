using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>One encode request for the oracle: a text or pair with the options of <see cref="EncodeOptions"/>.</summary>
internal sealed record OracleCase(string Text, string? Pair, EncodeOptions Options)
{
    public override string ToString() =>
        $"text {JsonSerializer.Serialize(Text)}, pair {JsonSerializer.Serialize(Pair)}, special {Options.AddSpecialTokens}, max {Options.MaxLength} {Options.Truncation} stride {Options.Stride} {Options.TruncationSide}, pad {Options.PadToLength} {Options.PaddingSide}";
}

/// <summary>
/// Hugging Face's Rust tokenizers 0.22.2 (the napi build <c>@anush008/tokenizers</c> from npm, run by
/// <c>Oracle/oracle.cjs</c> in Node) encoding the same <c>tokenizer.json</c>: what the rich encode is compared with.
/// </summary>
internal static class TokenizerOracle
{
    private static readonly string Folder = typeof(TokenizerOracle).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TokenizerOracleDir").Value!;

    /// <summary>Encodes every case; each result is the oracle's encoding as JSON, or an object with an <c>error</c>.</summary>
    public static List<JsonElement> Encode(string tokenizerJson, IReadOnlyList<OracleCase> cases, int? padId = null, string? padToken = null)
    {
        var job = new JsonObject
        {
            ["tokenizer"] = tokenizerJson,
            ["cases"] = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
            {
                ["text"] = c.Text,
                ["pair"] = c.Pair,
                ["addSpecialTokens"] = c.Options.AddSpecialTokens,
                ["truncation"] = c.Options.MaxLength is int max
                    ? new JsonObject
                    {
                        ["maxLength"] = max,
                        ["strategy"] = c.Options.Truncation.ToString(),
                        ["stride"] = c.Options.Stride,
                        ["direction"] = c.Options.TruncationSide == TruncationSide.Left ? "left" : "right",
                    }
                    : null,
                ["padding"] = c.Options.PadToLength is int length
                    ? new JsonObject
                    {
                        ["length"] = length,
                        ["direction"] = c.Options.PaddingSide == PaddingSide.Left ? "left" : "right",
                        ["padId"] = padId,
                        ["padToken"] = padToken,
                    }
                    : null,
            })]),
        };

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("oracle.cjs");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(job.ToJsonString());
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            Assert.Fail("The tokenizer oracle did not finish within 3 minutes.");
        }

        Assert.True(process.ExitCode == 0, $"node oracle.cjs exited with {process.ExitCode}: {stderr.Result}");
        using var doc = JsonDocument.Parse(stdout.Result);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
