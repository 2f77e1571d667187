using Bytez;
using Bytez.Protocol;

namespace Bytez.Samples;

/// <summary>A model's cluster from start to end: load it ahead of use, run it, check it, shut it down.</summary>
public static class ClusterLifecycle
{
    /// <summary>The model the sample uses unless told otherwise (it ships with the Bytez for .NET server).</summary>
    public const string DefaultModel = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>Loads <paramref name="modelId"/> (waiting until it runs), runs it once, prints its status, and shuts it down.</summary>
    /// <returns>0 when every step succeeded, 1 when one failed (its error is printed).</returns>
    public static async Task<int> RunAsync(BytezClient client, string modelId, string input, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        var model = client.Model(modelId);

        // One warm instance, unloaded after 5 idle minutes. LoadAsync waits until the cluster runs (or fails).
        await output.WriteLineAsync($"Loading {modelId}...");
        var loaded = await model.LoadAsync(
            new ClusterRequest { Timeout = 5, Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 1 } },
            timeout: TimeSpan.FromMinutes(5),
            cancellationToken: cancellationToken);
        if (!loaded.IsSuccess)
        {
            await output.WriteLineAsync($"Load failed: {loaded.Error}");
            return 1;
        }

        await output.WriteLineAsync($"Loaded: {loaded.Output!.Status}, {loaded.Output.Instances} instance(s)");

        var result = await model.RunAsync(input, cancellationToken: cancellationToken);
        await output.WriteLineAsync(result.IsSuccess ? $"Ran: {Shorten(result.Output?.GetRawText())}" : $"Run failed: {result.Error}");

        var status = await model.StatusAsync(cancellationToken);
        if (status.Output is { } cluster)
        {
            await output.WriteLineAsync($"Status: {cluster.Status}, {cluster.Instances} instance(s), {cluster.Inferences} inference(s)");
        }

        var shutdown = await model.ShutdownAsync(cancellationToken);
        await output.WriteLineAsync(shutdown.IsSuccess ? "Shut down." : $"Shutdown failed: {shutdown.Error}");
        return result.IsSuccess && status.IsSuccess && shutdown.IsSuccess ? 0 : 1;
    }

    private static string Shorten(string? text) => text is null || text.Length <= 60 ? text ?? "null" : text[..60] + "...";
}
