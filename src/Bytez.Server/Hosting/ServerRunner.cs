namespace Bytez.Server.Hosting;

/// <summary>Starts the server and runs it until shutdown; a failure to start is one line on standard error.</summary>
public static class ServerRunner
{
    /// <summary>Runs the server; returns 0 after a clean shutdown, <see cref="StartupFailure.ExitCode"/> when it could not start.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        WebApplication? app = null;
        try
        {
            app = BytezServer.Create(args);
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            using var ownLogs = app is null ? CreateLoggerFactory(args) : null;
            var logs = ownLogs ?? app!.Services.GetRequiredService<ILoggerFactory>();
            var code = StartupFailure.Report(e, error, logs.CreateLogger("Bytez.Server"));
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            return code;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    // The application never got built: log through a console logger configured like the server's would have been.
    private static ILoggerFactory CreateLoggerFactory(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        return LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole());
    }
}
