using Bytez;
using Bytez.Samples;

// Usage: dotnet run -- [model id] [input]
// The server: BYTEZ_HOST (default http://localhost:8080) and its key in BYTEZ_KEY.
var host = Environment.GetEnvironmentVariable("BYTEZ_HOST") ?? "http://localhost:8080";
using var client = new BytezClient(new BytezClientOptions
{
    ApiKey = Environment.GetEnvironmentVariable("BYTEZ_KEY"),
    BaseAddress = new Uri(host.TrimEnd('/') + "/models/v2/"),
});

return await ClusterLifecycle.RunAsync(
    client,
    args.Length > 0 ? args[0] : ClusterLifecycle.DefaultModel,
    args.Length > 1 ? args[1] : "The weather is lovely today.",
    Console.Out);
