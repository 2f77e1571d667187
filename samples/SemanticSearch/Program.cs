using Bytez;
using Bytez.Samples;

// Usage: dotnet run -- <folder of .txt files> [model id]; then type queries.
// The server: BYTEZ_HOST (default http://localhost:8080) and its key in BYTEZ_KEY.
if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("Usage: SemanticSearch <folder of .txt files> [model id]");
    return 2;
}

var host = Environment.GetEnvironmentVariable("BYTEZ_HOST") ?? "http://localhost:8080";
using var client = new BytezClient(new BytezClientOptions
{
    ApiKey = Environment.GetEnvironmentVariable("BYTEZ_KEY"),
    BaseAddress = new Uri(host.TrimEnd('/') + "/models/v2/"),
});

try
{
    await SemanticSearch.RunAsync(client, args[0], Console.In, Console.Out, args.Length > 1 ? args[1] : SemanticSearch.DefaultModel);
    return 0;
}
catch (BytezException e)
{
    Console.Error.WriteLine($"The server said: {e.Message}");
    return 1;
}
