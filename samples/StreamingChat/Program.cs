using Bytez;
using Bytez.Samples;

// Usage: dotnet run -- <chat model id>; then type messages.
// The server: BYTEZ_HOST (default http://localhost:8080) and its key in BYTEZ_KEY.
if (args.Length < 1)
{
    Console.Error.WriteLine("Usage: StreamingChat <chat model id>, e.g. Qwen/Qwen2.5-0.5B-Instruct");
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
    await StreamingChat.RunAsync(client, args[0], Console.In, Console.Out);
    return 0;
}
catch (BytezException e)
{
    Console.Error.WriteLine($"The server said: {e.Message}");
    return 1;
}
