using System.Net;
using Bytez.Protocol;

namespace Bytez;

public sealed partial class BytezModel
{
    /// <summary>How long <see cref="LoadAsync"/> waits for the cluster to run when no timeout is given: 15 minutes.</summary>
    public static TimeSpan DefaultLoadTimeout { get; } = TimeSpan.FromMinutes(15);

    /// <summary>How often <see cref="LoadAsync"/> reads the cluster's status when no interval is given: every second.</summary>
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Creates the model's cluster (<c>PUT {modelId}</c>) and returns as soon as the server accepted it, without
    /// waiting for an instance: on success the status is 202 and the output the string <c>"Loading"</c>. Use
    /// <see cref="LoadAsync"/> to wait until the model runs.
    /// </summary>
    /// <param name="request">
    /// Idle timeout, capacity and load config; <see langword="null"/> sends <c>{}</c> and takes the server's defaults.
    /// </param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <remarks>The hosted API answers an error such as <c>Cluster already exists</c> when the cluster exists.</remarks>
    public Task<BytezResult> CreateClusterAsync(ClusterRequest? request = null, CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Put, _path, request ?? new ClusterRequest(), cancellationToken);

    /// <summary>
    /// Loads the model: creates its cluster (<c>PUT {modelId}</c>), then reads its status (<c>GET {modelId}</c>)
    /// every <paramref name="pollInterval"/> until it is <see cref="ClusterStatuses.Running"/>, it
    /// <see cref="ClusterStatuses.Failed"/>, it is <see cref="ClusterStatuses.Off"/>, or
    /// <paramref name="timeout"/> elapses.
    /// </summary>
    /// <param name="request">
    /// Idle timeout, capacity and load config; <see langword="null"/> sends <c>{}</c> and takes the server's defaults.
    /// </param>
    /// <param name="timeout">
    /// How long to wait in all, calls included; <see langword="null"/> for <see cref="DefaultLoadTimeout"/>,
    /// <see cref="Timeout.InfiniteTimeSpan"/> to wait without limit. Measured with
    /// <see cref="BytezClientOptions.TimeProvider"/>.
    /// </param>
    /// <param name="pollInterval">The pause between status reads; <see langword="null"/> for <see cref="DefaultPollInterval"/>.</param>
    /// <param name="cancellationToken">Cancels the wait; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// On success the running cluster. Otherwise <see cref="BytezResult{T}.Error"/> says why: the error of the
    /// create or status call; the cluster's <see cref="ClusterInfo.Failure"/> when it failed; that it is off; or
    /// that the wait timed out, with the last status seen. For a failed, off or timed-out cluster
    /// <see cref="BytezResult{T}.Output"/> still holds the last cluster read. A timeout has no
    /// <see cref="BytezResult{T}.StatusCode"/>.
    /// </returns>
    /// <remarks>
    /// An error from the create call that says the cluster already exists (HTTP 409, or a message containing
    /// <c>already exists</c>, as the hosted API answers) does not stop the wait: the existing cluster is polled. A
    /// cluster that is off is not turned on; call <see cref="UpdateAsync"/> with <c>Status = "on"</c> first.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="timeout"/> is neither positive nor infinite, or <paramref name="pollInterval"/> is not positive.
    /// </exception>
    public async Task<BytezResult<ClusterInfo>> LoadAsync(
        ClusterRequest? request = null,
        TimeSpan? timeout = null,
        TimeSpan? pollInterval = null,
        CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultLoadTimeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), limit, "The timeout must be positive or Timeout.InfiniteTimeSpan.");
        }

        var interval = pollInterval ?? DefaultPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(pollInterval));
        cancellationToken.ThrowIfCancellationRequested();

        var time = _client.TimeProvider;
        using var deadline = limit == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        ClusterInfo? last = null;
        try
        {
            var created = await CreateClusterAsync(request, linked.Token).ConfigureAwait(false);
            if (!created.IsSuccess && !AlreadyExists(created))
            {
                return new BytezResult<ClusterInfo>(null, created.Error, created.StatusCode, created.ResponseBody);
            }

            while (true)
            {
                var status = await StatusAsync(linked.Token).ConfigureAwait(false);
                if (!status.IsSuccess)
                {
                    return status;
                }

                last = status.Output!;
                if (Is(last, ClusterStatuses.Running))
                {
                    return status;
                }

                if (Is(last, ClusterStatuses.Failed))
                {
                    var reason = string.IsNullOrEmpty(last.Failure) ? $"The cluster of {Id} failed to load." : last.Failure;
                    return new BytezResult<ClusterInfo>(last, reason, status.StatusCode);
                }

                if (Is(last, ClusterStatuses.Off))
                {
                    return new BytezResult<ClusterInfo>(
                        last, $"The cluster of {Id} is off; turn it on with UpdateAsync (status \"on\") before loading it.", status.StatusCode);
                }

                await Task.Delay(interval, time, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seen = last is null ? "no status was read yet" : $"its last status was '{last.Status}'";
            return new BytezResult<ClusterInfo>(last, $"The cluster of {Id} was not running after {limit}; {seen}.", null);
        }
    }

    /// <summary>Reads the model's cluster (<c>GET {modelId}</c>): status, instances, requests served, settings.</summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The cluster, or an error (for example when the model has no cluster).</returns>
    public async Task<BytezResult<ClusterInfo>> StatusAsync(CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAsync(HttpMethod.Get, _path, body: null, providerKey: null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.ClusterInfo);
    }

    /// <summary>
    /// Changes the model's cluster (<c>PATCH {modelId}</c>): idle timeout, capacity, config, or
    /// <see cref="ClusterRequest.Status"/> <c>"on"</c> / <c>"off"</c>. Unset fields keep their value.
    /// </summary>
    /// <param name="request">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The cluster after the change, or an error.</returns>
    public async Task<BytezResult<ClusterInfo>> UpdateAsync(ClusterRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await _client.SendAsync(HttpMethod.Patch, _path, request, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.ClusterInfo);
    }

    /// <summary>
    /// Shuts the model's cluster down (<c>DELETE {modelId}</c>): its instances unload and its settings are removed.
    /// On success the output is <see langword="null"/>. A later run creates a cluster with the defaults again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> ShutdownAsync(CancellationToken cancellationToken = default) =>
        _client.SendAsync(HttpMethod.Delete, _path, body: null, providerKey: null, cancellationToken);

    private static bool AlreadyExists(BytezResult result) =>
        result.StatusCode == HttpStatusCode.Conflict
        || (result.Error?.Contains("already exists", StringComparison.OrdinalIgnoreCase) ?? false);

    private static bool Is(ClusterInfo cluster, string status) =>
        string.Equals(cluster.Status, status, StringComparison.OrdinalIgnoreCase);
}
