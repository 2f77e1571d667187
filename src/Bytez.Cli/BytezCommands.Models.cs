using System.CommandLine;
using System.Net;
using Bytez.Protocol;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    // ---- rm --------------------------------------------------------------------------------------------------

    private Command RemoveCommand()
    {
        var model = ModelArgument("The downloaded model to delete, org/name");
        var json = JsonOption();
        var force = new Option<bool>("--force") { Description = "Shut the model's cluster down first when it is loaded" };
        var command = new Command("rm", "Delete a downloaded model and its files (refused while it is loaded or downloading)") { model, force, json };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var id = parse.GetValue(model)!;
            if (parse.GetValue(force) && (await client.Model(id).StatusAsync(ct).ConfigureAwait(false)).IsSuccess)
            {
                var stopped = await client.Model(id).ShutdownAsync(ct).ConfigureAwait(false);
                if (!stopped.IsSuccess)
                {
                    return await FailAsync(stopped.Error, stopped.StatusCode, host).ConfigureAwait(false);
                }
            }

            var removed = await client.RemoveModelAsync(id, ct).ConfigureAwait(false);
            if (removed.StatusCode == HttpStatusCode.Conflict && removed.Error?.Contains(" is loaded", StringComparison.Ordinal) == true)
            {
                await _err.WriteLineAsync(removed.Error).ConfigureAwait(false);
                await _err.WriteLineAsync($"Stop it first (bytez stop {id}), or use bytez rm --force.").ConfigureAwait(false);
                return Program.Failure;
            }

            if (!removed.IsSuccess)
            {
                return await FailAsync(removed.Error, removed.StatusCode, host).ConfigureAwait(false);
            }

            var output = removed.Output!;
            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(output, CliJsonContext.Default.RemovedModel)
                : $"Removed: {output.ModelId} ({Format.Bytes(output.BytesFreed)} freed)").ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    // ---- add-model -------------------------------------------------------------------------------------------

    private Command AddModelCommand()
    {
        var model = ModelArgument("The Hugging Face model to add, org/name");
        var revision = new Option<string?>("--revision") { Description = "A branch, tag or commit (default: main)" };
        var webhook = new Option<string?>("--webhook") { Description = "An http(s) URL the server posts the final status to" };
        var command = new Command(
            "add-model",
            "Queue a job that adds a Hugging Face model to the server's catalog, and return (bytez pull follows it)")
        {
            model, revision, webhook,
        };
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var id = parse.GetValue(model)!;
            var options = parse.GetValue(revision) is null && parse.GetValue(webhook) is null
                ? null
                : new ModelRequestOptions { Revision = parse.GetValue(revision), Webhook = parse.GetValue(webhook) };
            var queued = await client.RequestModelAsync(id, options, ct).ConfigureAwait(false);
            if (!queued.IsSuccess)
            {
                return await FailAsync(queued.Error, queued.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(Describe(queued.Output)).ConfigureAwait(false);
            await _err.WriteLineAsync($"Follow it with: bytez pull {id} (or bytez status {id})").ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }
}
