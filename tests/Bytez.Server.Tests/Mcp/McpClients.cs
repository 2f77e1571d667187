using Bytez.Testing;
using ModelContextProtocol.Client;

namespace Bytez.Server.Tests.Mcp;

/// <summary>The official C# MCP client (Streamable HTTP) connected to a test server's <c>/mcp</c>.</summary>
internal static class McpClients
{
    /// <summary>Connects with <paramref name="authorization"/> as the Authorization header (none when null).</summary>
    public static async Task<McpClient> ConnectAsync(TestServer server, string? authorization)
    {
        var headers = new Dictionary<string, string>();
        if (authorization is not null)
        {
            headers["Authorization"] = authorization;
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(server.BaseAddress, "mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
    }
}
