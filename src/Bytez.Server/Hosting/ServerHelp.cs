using System.Reflection;

namespace Bytez.Server.Hosting;

/// <summary>
/// <c>--help</c> (<c>-h</c>, <c>-?</c>) and <c>--version</c>: what the server prints instead of starting. The option
/// list comes from <see cref="ServerOptionTable"/>; only defaults are printed, never a configured value.
/// </summary>
public static class ServerHelp
{
    /// <summary>The informational version of the server (<c>1.2.3+commit</c>).</summary>
    public static string Version { get; } =
        typeof(ServerHelp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ServerHelp).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// When the first argument asks for help or the version, writes it and returns exit code 0; otherwise returns
    /// <see langword="null"/> and the server starts.
    /// </summary>
    public static int? TryWrite(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Any(a => a is "--help" or "-h" or "-?" or "/?"))
        {
            Write(output);
            return 0;
        }

        if (args.Any(a => a == "--version"))
        {
            output.WriteLine($"Bytez server {Version}");
            return 0;
        }

        return null;
    }

    /// <summary>Writes the usage and every option with its environment variable and default.</summary>
    public static void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"""
            Bytez server {Version}: serves models through the Bytez model API.

            Usage:
              Bytez.Server [options]                          start the server
              Bytez.Server add-model <path> [--id org/name] [--task task] [options]
                                                              register a local GGUF file or model folder
              Bytez.Server --help | -h | -?                   show this help
              Bytez.Server --version                          show the version

            Options are set on the command line (--Name=value or --Name value), by environment variable, or in
            appsettings.json. Defaults are shown; configured values (such as the API key) never are.

            """);
        foreach (var option in ServerOptionTable.All)
        {
            output.WriteLine($"  {option.CommandLine}=<value>");
            output.WriteLine($"      {option.Meaning}");
            output.WriteLine($"      env {option.Variable}; default {option.Default}");
        }

        output.WriteLine();
        output.WriteLine("Every option is described in docs/configuration.md.");
    }
}
