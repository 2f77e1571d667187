using Bytez.Engine;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary><c>bytez://models</c>: the catalog as one JSON resource, <c>{"models": [...]}</c> as <c>list_models</c> answers it.</summary>
public sealed class ModelListResource(InferenceEngine engine) : McpServerResource
{
    /// <summary>The resource's URI.</summary>
    public const string Uri = "bytez://models";

    private static readonly ResourceTemplate Template = new()
    {
        UriTemplate = Uri,
        Name = "models",
        Title = "Models",
        Description = "The models this server runs: id, task, size, memory, state.",
        MimeType = "application/json",
    };

    /// <inheritdoc />
    public override ResourceTemplate ProtocolResourceTemplate => Template;

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata => [];

    /// <inheritdoc />
    public override bool IsMatch(string uri) => string.Equals(uri, Uri, StringComparison.Ordinal);

    /// <inheritdoc />
    public override ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        var list = ToolResults.Object(w => ModelDescription.WriteList(w, engine, task: null, modelId: null));
        return ValueTask.FromResult(new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = Uri, MimeType = "application/json", Text = list.GetRawText() }],
        });
    }
}
