using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// The MCP server at <c>/mcp</c> (Streamable HTTP, the official C# SDK): the engine's models as MCP tools
/// (<c>list_models</c>, <c>list_tasks</c>, <c>run_model</c>, <c>request_model</c>, <c>get_request</c>) and the catalog as
/// resources (<c>bytez://models</c>, <c>bytez://models/{org}/{name}</c>), behind the same API key as every other route.
/// </summary>
public static class McpApi
{
    /// <summary>The path of the MCP endpoint.</summary>
    public const string Path = "/mcp";

    /// <summary>The name the server reports to MCP clients.</summary>
    public const string ServerName = "bytez";

    /// <summary>
    /// Registers the MCP server, its tools and resources. Stateless: every POST is served on its own, with no
    /// <c>Mcp-Session-Id</c> kept in memory, so any replica behind a load balancer can answer any request; progress
    /// notifications still reach the client on the answer's own event stream.
    /// </summary>
    public static IServiceCollection AddBytezMcp(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<McpServerTool, ListModelsTool>();
        services.AddSingleton<McpServerTool, ListTasksTool>();
        services.AddSingleton<McpServerTool, RunModelTool>();
        services.AddSingleton<McpServerTool, RequestModelTool>();
        services.AddSingleton<McpServerTool, GetRequestTool>();
        services.AddSingleton<McpServerResource, ModelListResource>();
        services.AddSingleton<McpServerResource, ModelResource>();
        services.AddMcpServer(options =>
            {
                options.ServerInfo = new() { Name = ServerName, Title = "Bytez", Version = typeof(McpApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" };
                options.ServerInstructions =
                    "Runs open models on this Bytez server. list_models shows what it serves (by task), run_model runs one "
                    + "(model id, input, params as the Bytez API takes them), request_model fetches a model from the hub "
                    + "and get_request follows that job. Each model is also a resource: bytez://models/{org}/{name}.";
            })
            .WithHttpTransport(transport => transport.SessionMode = HttpServerSessionMode.Stateless)
            .WithListResourcesHandler(ModelResource.ListAsync);
        return services;
    }

    /// <summary>Maps the MCP endpoint at <see cref="Path"/>.</summary>
    public static IEndpointRouteBuilder MapMcpApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMcp(Path);
        return app;
    }

    /// <summary>Whether a request is for the MCP endpoint (the API key guards it).</summary>
    public static bool IsMcpPath(PathString path) => path.StartsWithSegments(Path);
}
