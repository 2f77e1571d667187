using System.Text;
using Bytez.Protocol;

namespace Bytez;

/// <summary>The list endpoints of the API (models, tasks, clusters, model requests), reached through <see cref="BytezClient.List"/>.</summary>
public sealed class BytezListApi
{
    private readonly BytezClient _client;

    internal BytezListApi(BytezClient client) => _client = client;

    /// <summary>Lists the models of the catalog (<c>GET list/models</c>), optionally those of one task only.</summary>
    /// <param name="task">A task name such as <c>chat</c> (see <see cref="BytezTasks"/>); <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult<IReadOnlyList<ModelInfo>>> ModelsAsync(string? task = null, CancellationToken cancellationToken = default) =>
        ModelsAsync(new ListModelsOptions { Task = task }, cancellationToken);

    /// <summary>Lists the models of the catalog (<c>GET list/models</c>) that match the filters.</summary>
    /// <param name="options">Filters by task and by model id; unset filters are not sent.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<ModelInfo>>> ModelsAsync(ListModelsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = new StringBuilder("list/models");
        var separator = '?';
        foreach (var (name, value) in new[] { ("task", options.Task), ("modelId", options.ModelId) })
        {
            if (value is not null)
            {
                path.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        var result = await _client.SendAsync(HttpMethod.Get, path.ToString(), body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.IReadOnlyListModelInfo);
    }

    /// <summary>Lists the task names the catalog knows (<c>GET list/tasks</c>).</summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<string>>> TasksAsync(CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Get, "list/tasks", body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        var tasks = Envelope.Typed(result, ProtocolJsonContext.Default.StringArray);
        return new BytezResult<IReadOnlyList<string>>(tasks.Output, tasks.Error, tasks.StatusCode, tasks.ResponseBody);
    }

    /// <summary>
    /// Lists the clusters of the account or server (<c>GET list/clusters</c>): every model with loaded instances or
    /// settings, with its status (see <see cref="ClusterStatuses"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<ClusterInfo>>> ClustersAsync(CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Get, "list/clusters", body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.IReadOnlyListClusterInfo);
    }

    /// <summary>
    /// Lists the server's requests for Hugging Face models (<c>GET list/requests</c>, an extension of self-hosted
    /// servers), newest first, in every state (see <see cref="ModelRequestStates"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<ModelRequestStatus>>> RequestsAsync(CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Get, "list/requests", body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.IReadOnlyListModelRequestStatus);
    }
}
