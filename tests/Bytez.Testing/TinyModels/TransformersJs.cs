using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bytez.Testing.TinyModels;

/// <summary>One call of a transformers.js pipeline: the task, the model id under the models root, the input and the call options.</summary>
/// <param name="Task">A transformers.js pipeline task (<c>text-classification</c>, <c>token-classification</c>, <c>question-answering</c>, <c>fill-mask</c>, <c>zero-shot-classification</c>) or <c>text-ranking</c>.</param>
/// <param name="Model">The model id (<c>org/name</c>) under the models root.</param>
/// <param name="Input">The input: a text (or a list); <c>{question, context}</c>; <c>{text, labels}</c>; <c>{query, documents}</c>.</param>
/// <param name="Options">The pipeline's call options (<c>top_k</c>, <c>aggregation_strategy</c>, <c>multi_label</c>, ...), or <see langword="null"/>.</param>
/// <param name="Dtype">The precision variant transformers.js loads (<c>fp32</c>, <c>fp16</c>, <c>q8</c>, <c>q4</c>, <c>q4f16</c>, ...); <see langword="null"/> means fp32.</param>
public sealed record TransformersJsRequest(string Task, string Model, JsonNode? Input, JsonObject? Options = null, string? Dtype = null);

/// <summary>
/// Runs Hugging Face's own JavaScript pipelines (<c>@huggingface/transformers</c> 4.3.1 on <c>onnxruntime-node</c>,
/// from npm, unchanged; fp32, local files only) on model folders: an independent oracle for the text tasks.
/// The script is <c>tests/oracles/transformers-js/pipelines.mjs</c>; the build installs its npm packages.
/// </summary>
public static class TransformersJs
{
    private static readonly string ScriptDir = typeof(TransformersJs).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TransformersJsDir").Value!;

    /// <summary>
    /// Runs the requests in one Node process (each model loaded once) and returns, per request, the pipeline's output,
    /// or throws naming the first request that failed.
    /// </summary>
    /// <param name="modelsRoot">The folder that holds the <c>org/name</c> model folders (transformers.js's <c>env.localModelPath</c>).</param>
    /// <param name="requests">The calls.</param>
    /// <param name="cancellationToken">Stops waiting (the Node process is killed).</param>
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(string modelsRoot, IReadOnlyList<TransformersJsRequest> requests, CancellationToken cancellationToken = default)
    {
        var results = await TryRunAsync(modelsRoot, requests, cancellationToken);
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"transformers.js failed on request {i} ({requests[i].Task} on {requests[i].Model}): {error}");
            }
        }

        return results.Select(r => r.GetProperty("output")).ToList();
    }

    /// <summary>Runs the requests and returns, per request, <c>{"output": ...}</c> or <c>{"error": "message"}</c> (for the cases where transformers.js refuses an input).</summary>
    public static async Task<IReadOnlyList<JsonElement>> TryRunAsync(string modelsRoot, IReadOnlyList<TransformersJsRequest> requests, CancellationToken cancellationToken = default)
    {
        var file = Path.Combine(Path.GetTempPath(), $"bytez-transformers-js-{Guid.NewGuid():N}.json");
        var body = new JsonObject
        {
            ["root"] = Path.GetFullPath(modelsRoot),
            ["requests"] = new JsonArray(requests.Select(r => (JsonNode)new JsonObject
            {
                ["task"] = r.Task,
                ["model"] = r.Model,
                ["input"] = r.Input?.DeepClone(),
                ["options"] = r.Options?.DeepClone(),
                ["dtype"] = r.Dtype,
            }).ToArray()),
        };
        await File.WriteAllTextAsync(file, body.ToJsonString(), cancellationToken);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = ScriptDir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("pipelines.mjs");
            start.ArgumentList.Add(file);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started (is it on PATH?).");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var output = await stdout;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"node pipelines.mjs exited with {process.ExitCode}: {await stderr}");
            }

            var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            return JsonDocument.Parse(last).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
