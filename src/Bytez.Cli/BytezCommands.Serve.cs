using System.CommandLine;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    /// <summary><c>bytez serve</c>: runs a Bytez server built on this machine as a child process (<see cref="ServerProcess"/>).</summary>
    private Command ServeCommand()
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Where the server listens (default: {DefaultHost})",
            DefaultValueFactory = _ => DefaultHost,
        };
        var server = new Option<string?>("--server")
        {
            Description = $"The server to run: the Bytez.Server executable, Bytez.Server.dll, or the Bytez.Server project (default: ${ServerProcess.Variable}, else a server next to this tool)",
        };
        var settings = new Argument<string[]>("settings")
        {
            Description = "Server options after --, for example -- --Bytez:Home=/srv/bytez (bytez serve -- --help lists them)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("serve", "Start a Bytez server in this terminal; Ctrl+C stops it") { urls, server, settings };
        command.SetAction(async (parse, ct) =>
        {
            var given = NonEmpty(parse.GetValue(server)) ?? NonEmpty(_environment.GetVariable(ServerProcess.Variable));
            var start = ServerProcess.Resolve(given, AppContext.BaseDirectory, out var problem);
            if (start is null)
            {
                await _err.WriteLineAsync(problem ?? (
                    $"No Bytez server next to this tool: pass --server (or set {ServerProcess.Variable}) with the path of the Bytez.Server " +
                    "executable, Bytez.Server.dll or the src/Bytez.Server project; `dotnet publish src/Bytez.Server -o <folder>` makes one.")).ConfigureAwait(false);
                return Program.UsageError;
            }

            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(parse.GetValue(urls)!);
            foreach (var setting in parse.GetValue(settings) ?? [])
            {
                start.ArgumentList.Add(setting);
            }

            // The key goes to the server through its environment, never its command line (which `ps` shows to everyone).
            if (NonEmpty(parse.GetValue(_key)) is { } key)
            {
                start.Environment[KeyVariable] = key;
            }

            try
            {
                return await ServerProcess.RunAsync(start, ct).ConfigureAwait(false);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                await _err.WriteLineAsync($"Cannot start the server ({start.FileName}): {e.Message}").ConfigureAwait(false);
                return Program.Failure;
            }
        });
        return command;
    }
}
