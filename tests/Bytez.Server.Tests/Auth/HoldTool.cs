using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Tests.Auth;

/// <summary>
/// A test MCP tool, <c>hold</c>, that stays in progress until the test releases it and counts the calls in progress
/// (and the most at once): a slow request that has passed every middleware, the key limits included, with a count of
/// what the server really runs at once that does not come from the limiter under test.
/// </summary>
internal sealed class HoldTool : McpServerTool
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _most;
    private int _calls;

    public override Tool ProtocolTool { get; } = new()
    {
        Name = "hold",
        Description = "Test: waits until released.",
        InputSchema = JsonDocument.Parse("""{"type": "object", "properties": {}}""").RootElement.Clone(),
    };

    public override IReadOnlyList<object> Metadata => [];

    /// <summary>Calls in progress now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most calls in progress at once.</summary>
    public int Most => Volatile.Read(ref _most);

    /// <summary>Calls that reached the tool.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Lets every held call (and every later one) finish.</summary>
    public void Release() => _release.TrySetResult();

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var now = Interlocked.Increment(ref _inFlight);
        int most;
        while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
        {
        }

        try
        {
            await _release.Task.WaitAsync(cancellationToken);
            return new CallToolResult { Content = [new TextContentBlock { Text = "released" }] };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
