using Bytez.Engine;

namespace Bytez.Server.Hosting;

/// <summary>
/// <c>add-model &lt;path&gt; [--id org/name] [--task task]</c>: registers a local GGUF file or Hugging Face-layout
/// folder in the models directory (without copying it); a running server notices it within seconds
/// (<see cref="ModelDirectoryWatcher"/>), a server started later serves it from the start.
/// </summary>
public static class AddModelCommand
{
    /// <summary>The command's name on the command line.</summary>
    public const string Name = "add-model";

    /// <summary>Runs the command; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? path = null, id = null, task = null;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--id" when i + 1 < args.Length:
                    id = args[++i];
                    break;
                case "--task" when i + 1 < args.Length:
                    task = args[++i];
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    settings.Add(a);
                    if (!a.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
                    {
                        settings.Add(args[++i]);
                    }

                    break;
                default:
                    if (path is not null)
                    {
                        error.WriteLine($"Unexpected argument '{args[i]}'.");
                        return 2;
                    }

                    path = args[i];
                    break;
            }
        }

        if (path is null)
        {
            error.WriteLine("Usage: add-model <path to a .gguf file or a model folder> [--id org/name] [--task <one of GET list/tasks, e.g. text-classification>]");
            return 2;
        }

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine([.. settings]).Build();
        var options = BytezServer.ReadOptions(configuration);
        try
        {
            var model = EngineServices.CreateStore(options).Add(path, id, task);
            output.WriteLine($"Added {model.Id} ({model.Task}, {model.ParameterCount:N0} parameters) from {Path.GetFullPath(path)}.");
            output.WriteLine("A server running on this models directory serves it within seconds; one started later serves it from the start.");
            return 0;
        }
        catch (EngineException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }
}
