using Bytez.Engine;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bytez.Server.Mcp;

/// <summary>
/// <c>bytez://models/{org}/{name}</c>: one model's description as JSON (<see cref="ModelDescription"/> in full: its
/// listing, state, and what its task takes and answers). Listed in <c>resources/list</c> once per catalog model
/// (<see cref="ListAsync"/>) and as a template.
/// </summary>
public sealed class ModelResource(InferenceEngine engine) : McpServerResource
{
    /// <summary>The URI template.</summary>
    public const string UriTemplate = "bytez://models/{org}/{name}";

    private const string Prefix = "bytez://models/";

    private const string Json = "application/json";

    private static readonly ResourceTemplate Template = new()
    {
        UriTemplate = UriTemplate,
        Name = "model",
        Title = "Model",
        Description = "One model of this server: its task, size, memory, state, and the inputs and parameters its task takes.",
        MimeType = Json,
    };

    /// <inheritdoc />
    public override ResourceTemplate ProtocolResourceTemplate => Template;

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata => [];

    /// <summary>The URI of a model's resource.</summary>
    public static string UriOf(string modelId) => Prefix + modelId;

    /// <inheritdoc />
    public override bool IsMatch(string uri) => ModelIdOf(uri) is not null;

    /// <inheritdoc />
    public override ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.Params?.Uri ?? string.Empty;
        var model = ModelIdOf(uri) is { } id ? engine.Catalog.Find(id) : null;
        if (model is null)
        {
            throw new McpProtocolException(
                $"No model {uri} on this server; read {ModelListResource.Uri} (or call list_models) for the ones it runs.", McpErrorCode.ResourceNotFound);
        }

        var description = ToolResults.Object(w => ModelDescription.Write(w, engine, model, full: true));
        return ValueTask.FromResult(new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = UriOf(model.Id), MimeType = Json, Text = description.GetRawText() }],
        });
    }

    /// <summary>The <c>resources/list</c> handler: every catalog model as a concrete resource (the SDK adds <c>bytez://models</c>).</summary>
    public static ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var engine = request.Services!.GetRequiredService<InferenceEngine>();
        return ValueTask.FromResult(new ListResourcesResult
        {
            Resources = engine.Catalog.List().OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => new Resource
            {
                Uri = UriOf(m.Id),
                Name = m.Id,
                Description = $"{m.Task} model {m.Id}",
                MimeType = Json,
            }).ToList(),
        });
    }

    /// <summary>The model id in a resource URI (<c>org/name</c>), or <see langword="null"/> when it is not a model's URI.</summary>
    private static string? ModelIdOf(string uri)
    {
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = Uri.UnescapeDataString(uri[Prefix.Length..]);
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < id.Length - 1 && id.IndexOf('/', slash + 1) < 0 ? id : null;
    }
}
