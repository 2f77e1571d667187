using Bytez;
using Bytez.Samples;

// Usage: dotnet run -- <hub model id> [prompt]
// The server: BYTEZ_HOST (default http://localhost:8080) and its key in BYTEZ_KEY.
if (args.Length < 1)
{
    Console.Error.WriteLine("Usage: RequestModel <hub model id> [prompt], e.g. HuggingFaceTB/SmolLM2-135M-Instruct");
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
    await ModelRequest.RunAsync(client, args[0], args.Length > 1 ? args[1] : "Name three colours.", Console.Out);
    return 0;
}
catch (BytezException e)
{
    Console.Error.WriteLine($"The request failed: {e.Message}");
    return 1;
}
