using System.CommandLine;
using System.Globalization;
using Bytez.Protocol;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    // ---- ps --------------------------------------------------------------------------------------------------

    private Command PsCommand()
    {
        var json = JsonOption();
        var command = new Command("ps", "List the clusters: the loaded models, their state, instances and capacity") { json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var clusters = await client.List.ClustersAsync(ct).ConfigureAwait(false);
            if (!clusters.IsSuccess)
            {
                return await FailAsync(clusters.Error, clusters.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(clusters.Output ?? [], ProtocolJsonContext.Default.IReadOnlyListClusterInfo)
                : ClusterTable(clusters.Output ?? [])).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    /// <summary>The clusters as a table: model, state, instances, capacity (min/desired/max), idle timeout, requests served, last use.</summary>
    internal static string ClusterTable(IReadOnlyList<ClusterInfo> clusters)
    {
        if (clusters.Count == 0)
        {
            return "No clusters: no model is loaded.";
        }

        var rows = new List<string[]> { new[] { "MODEL", "STATUS", "INSTANCES", "CAPACITY", "TIMEOUT", "INFERENCES", "LAST USED", "FAILURE" } };
        rows.AddRange(clusters.Select(c => new[]
        {
            c.ModelId,
            c.Status,
            c.Instances.ToString(CultureInfo.InvariantCulture),
            Format.Invariant($"{c.Capacity.Min}/{c.Capacity.Desired}/{c.Capacity.Max}"),
            Format.Invariant($"{c.Timeout} min"),
            c.Inferences.ToString(CultureInfo.InvariantCulture),
            c.LastInference is { } last ? Format.Time(last) : "-",
            c.Failure ?? "",
        }));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, rows, 2, 5);
        return writer.ToString().TrimEnd('\n');
    }

    // ---- load ------------------------------------------------------------------------------------------------

    private Command LoadCommand()
    {
        var model = ModelArgument("The model to load, org/name");
        var min = new Option<int?>("--min") { Description = "Instances kept even when idle (default: the server's, 0)" };
        var desired = new Option<int?>("--desired") { Description = "Instances to start now (default: the server's, 1)" };
        var max = new Option<int?>("--max") { Description = "Most instances under load (default: the server's)" };
        var timeout = new Option<int?>("--timeout") { Description = "Idle minutes before the cluster shuts down, 1 to 1440" };
        var noWait = new Option<bool>("--no-wait") { Description = "Create the cluster and return without waiting for an instance" };
        var command = new Command("load", "Load a model: create its cluster and wait until an instance runs") { model, min, desired, max, timeout, noWait };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var handle = client.Model(parse.GetValue(model)!);
            ClusterRequest? request = null;
            ClusterCapacity? capacity = null;
            if (parse.GetValue(min) is not null || parse.GetValue(desired) is not null || parse.GetValue(max) is not null)
            {
                capacity = new ClusterCapacity();
                capacity.Min = parse.GetValue(min) ?? capacity.Min;
                capacity.Desired = parse.GetValue(desired) ?? Math.Max(capacity.Desired, capacity.Min);
                capacity.Max = parse.GetValue(max) ?? Math.Max(capacity.Max, capacity.Desired);
            }

            if (capacity is not null || parse.GetValue(timeout) is not null)
            {
                request = new ClusterRequest { Timeout = parse.GetValue(timeout), Capacity = capacity };
            }

            if (parse.GetValue(noWait))
            {
                var created = await handle.CreateClusterAsync(request, ct).ConfigureAwait(false);
                if (!created.IsSuccess)
                {
                    return await FailAsync(created.Error, created.StatusCode, host).ConfigureAwait(false);
                }

                await _out.WriteLineAsync($"Loading: {handle.Id}").ConfigureAwait(false);
                await _err.WriteLineAsync("Watch it with: bytez ps").ConfigureAwait(false);
                return Program.Success;
            }

            if (_environment.ErrorIsTerminal)
            {
                await _err.WriteLineAsync($"Loading {handle.Id}...").ConfigureAwait(false);
            }

            var loaded = await handle.LoadAsync(request, cancellationToken: ct).ConfigureAwait(false);
            if (!loaded.IsSuccess && loaded.Output is not null)
            {
                // The cluster failed, is off, or did not run in time: the SDK's error says which.
                await _err.WriteLineAsync(loaded.Error).ConfigureAwait(false);
                return Program.Failure;
            }

            if (!loaded.IsSuccess)
            {
                return await FailAsync(loaded.Error, loaded.StatusCode, host).ConfigureAwait(false);
            }

            var cluster = loaded.Output!;
            await _out.WriteLineAsync(Format.Invariant(
                $"Loaded: {cluster.ModelId} ({cluster.Instances} instance{(cluster.Instances == 1 ? "" : "s")}, capacity {cluster.Capacity.Min}/{cluster.Capacity.Desired}/{cluster.Capacity.Max}, idle timeout {cluster.Timeout} min)"))
                .ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    // ---- stop ------------------------------------------------------------------------------------------------

    private Command StopCommand()
    {
        var model = ModelArgument("The model whose cluster to shut down, org/name");
        var command = new Command("stop", "Shut a model's cluster down: its instances unload and free their memory") { model };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var handle = client.Model(parse.GetValue(model)!);
            var stopped = await handle.ShutdownAsync(ct).ConfigureAwait(false);
            if (!stopped.IsSuccess)
            {
                return await FailAsync(stopped.Error, stopped.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync($"Stopped: {handle.Id}").ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }
}
