using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// The common shape of this server's MCP tools: a declared input schema (whose property names are the only arguments
/// taken), arguments read with the engine's readers, and every failure answered as a tool error (<c>isError</c> with
/// the message the Bytez routes give, <see cref="ToolErrors"/>) instead of a protocol error or a crash.
/// </summary>
public abstract class BytezTool : McpServerTool
{
    private readonly Tool _tool;

    private readonly IReadOnlyList<string> _argumentNames;

    private readonly ILogger _logger;

    /// <summary>Declares the tool.</summary>
    /// <param name="tool">The tool as listed: name, title, description, annotations; its input schema is <paramref name="inputSchema"/>.</param>
    /// <param name="inputSchema">The JSON schema of the arguments, an object schema whose <c>properties</c> name every argument.</param>
    /// <param name="loggers">Where unexpected failures are logged.</param>
    protected BytezTool(Tool tool, string inputSchema, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(loggers);
        using var schema = JsonDocument.Parse(inputSchema);
        tool.InputSchema = schema.RootElement.Clone();
        _tool = tool;
        _argumentNames = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        _logger = loggers.CreateLogger("Bytez.Server.Mcp");
    }

    /// <inheritdoc />
    public override Tool ProtocolTool => _tool;

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata => [];

    /// <summary>Reads the arguments and calls the tool; a failure becomes a tool error, a cancelled call stays cancelled.</summary>
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var arguments = ToolArguments.Read(request.Params?.Arguments, _tool.Name, _argumentNames);
            return await CallAsync(arguments, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return ToolErrors.Result(e, _tool.Name, _logger);
        }
    }

    /// <summary>Runs the tool on its checked arguments.</summary>
    /// <exception cref="Engine.EngineException">Bad input, an unknown model, a refusal: answered as a tool error.</exception>
    protected abstract ValueTask<CallToolResult> CallAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken);

    /// <summary>The annotations of a tool that only reads (lists, looks up, runs a model without keeping anything).</summary>
    protected static ToolAnnotations ReadOnly(string title) =>
        new() { Title = title, ReadOnlyHint = true, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false };
}
