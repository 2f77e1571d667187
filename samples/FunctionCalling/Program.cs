using Bytez;
using Bytez.Samples;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// Usage: dotnet run -- <chat model id> [question]
// The server: BYTEZ_HOST (default http://localhost:8080) and its key in BYTEZ_KEY.
if (args.Length < 1)
{
    Console.Error.WriteLine("Usage: FunctionCalling <chat model id> [question], e.g. Qwen/Qwen2.5-0.5B-Instruct");
    return 2;
}

var host = Environment.GetEnvironmentVariable("BYTEZ_HOST") ?? "http://localhost:8080";
var services = new ServiceCollection();
services.AddBytezClient(options =>
{
    options.ApiKey = Environment.GetEnvironmentVariable("BYTEZ_KEY");
    options.BaseAddress = new Uri(host.TrimEnd('/') + "/models/v2/");
});
services.AddBytezChatClient(args[0]).UseFunctionInvocation();
await using var provider = services.BuildServiceProvider();

var question = args.Length > 1 ? args[1] : "How much do 3 pears cost, and are there plums?";
try
{
    await FunctionCalling.RunAsync(provider.GetRequiredService<IChatClient>(), question, Console.Out);
    return 0;
}
catch (BytezException e)
{
    Console.Error.WriteLine($"The server said: {e.Message}");
    return 1;
}
