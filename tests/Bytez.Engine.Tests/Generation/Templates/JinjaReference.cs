using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bytez.Engine.Tests.Generation.Templates;

/// <summary>
/// The independent reference for chat-template rendering: Debian's <c>/usr/bin/python3</c> with python3-jinja2
/// running render_reference.py (jinja2 set up as transformers sets it up, messages prepared as vLLM prepares them).
/// </summary>
internal static class JinjaReference
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The directory of the template fixtures and the script.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Generation", "Templates");

    /// <summary>A fixture template's text.</summary>
    public static string Template(string name) => File.ReadAllText(Path.Combine(Directory, name + ".jinja"));

    /// <summary>Renders; returns the text, or the error the template raised (prefixed with its Python type).</summary>
    public static (string? Text, string? Error) Render(
        string template, JsonNode messages, JsonNode? tools, string? bosToken, string? eosToken, JsonObject? extra, bool addGenerationPrompt = true)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3 and python3-jinja2 (.ci/run does).");
        }

        var request = new JsonObject
        {
            ["template"] = template,
            ["messages"] = messages.DeepClone(),
            ["tools"] = tools?.DeepClone(),
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
            ["extra"] = extra?.DeepClone(),
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        var start = new ProcessStartInfo(Python, [Path.Combine(Directory, "render_reference.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        process.StandardInput.Write(request.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The jinja2 reference failed (is python3-jinja2 installed?): {stderr}");
        }

        var answer = JsonNode.Parse(stdout)!.AsObject();
        return (answer["text"]?.GetValue<string>(), answer["error"]?.GetValue<string>());
    }
}
