using System.Text.Json;
using Bytez.Protocol;

namespace Bytez;

public sealed partial class BytezClient
{
    /// <summary>The answer of <c>POST request/{modelId}</c> when the model is already in the catalog.</summary>
    private const string ModelAvailable = "Model available";

    /// <summary>How often <see cref="WaitForModelAsync"/> reads the request's status when no interval is given: every second.</summary>
    public static TimeSpan DefaultRequestPollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks the server to add a Hugging Face model to its catalog (<c>POST request/{modelId}</c>, no body). On
    /// success the output is the string <c>"Job queued"</c>; a self-hosted server may also answer
    /// <c>"Model is already queued"</c> or <c>"Model available"</c>.
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RequestModelAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var path = RequestPath(modelId);
        return SendAsync(HttpMethod.Post, path, body: null, providerKey: null, cancellationToken);
    }

    /// <summary>
    /// Asks the server to add a Hugging Face model to its catalog (<c>POST request/{modelId}</c>) at a revision,
    /// optionally with a webhook (an extension of self-hosted servers; the hosted service takes no body). The output
    /// is <c>"Job queued"</c> (a new job, or a failed one queued again), <c>"Model is already queued"</c> (an
    /// unfinished job exists) or <c>"Model available"</c> (the model is in the catalog already).
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="options">Revision and webhook sent as the JSON body; <see langword="null"/> sends no body.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RequestModelAsync(string modelId, ModelRequestOptions? options, CancellationToken cancellationToken = default)
    {
        var path = RequestPath(modelId);
        var body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options, ProtocolJsonContext.Default.ModelRequestOptions);
        return SendJsonAsync(HttpMethod.Post, path, body, providerKey: null, cancellationToken);
    }

    /// <summary>
    /// Reads the state of the server's request for a model (<c>GET request/{modelId}</c>): where the job is, how far
    /// its download got, and why it failed. A server with no request for the model answers an error (404).
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<ModelRequestStatus>> GetRequestAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync(HttpMethod.Get, RequestPath(modelId), body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.ModelRequestStatus);
    }

    /// <summary>
    /// Cancels the server's unfinished request for a model (<c>DELETE request/{modelId}</c>): the job becomes
    /// <see cref="ModelRequestStates.Failed"/> with the error <c>Cancelled</c>, and the files downloaded so far are
    /// kept for a later request. A server with no request for the model answers an error (404).
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The request's state after the cancellation, or an error.</returns>
    public async Task<BytezResult<ModelRequestStatus>> CancelRequestAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync(HttpMethod.Delete, RequestPath(modelId), body: null, providerKey: null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, ProtocolJsonContext.Default.ModelRequestStatus);
    }

    /// <summary>
    /// Follows the server's request for a model: reads its state (<c>GET request/{modelId}</c>) every
    /// <paramref name="pollInterval"/>, reporting each one to <paramref name="progress"/>, until the job is
    /// <see cref="ModelRequestStates.Ready"/> or <see cref="ModelRequestStates.Failed"/>.
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="progress">Receives every state read, the final one included; <see langword="null"/> for none.</param>
    /// <param name="pollInterval">
    /// The pause between reads; <see langword="null"/> for <see cref="DefaultRequestPollInterval"/>. Timed by
    /// <see cref="BytezClientOptions.TimeProvider"/>.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops following (the job goes on on the server); cancelling throws <see cref="OperationCanceledException"/>.
    /// </param>
    /// <returns>The ready state, with the model's task, memory and parameter count.</returns>
    /// <exception cref="BytezException">
    /// The job failed (the message is the job's error), or a read failed (the error of the call, with its status code).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pollInterval"/> is not positive.</exception>
    public async Task<ModelRequestStatus> WaitForModelAsync(
        string modelId,
        IProgress<ModelRequestStatus>? progress = null,
        TimeSpan? pollInterval = null,
        CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultRequestPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(pollInterval));
        _ = RequestPath(modelId);
        cancellationToken.ThrowIfCancellationRequested();

        while (true)
        {
            var result = await GetRequestAsync(modelId, cancellationToken).ConfigureAwait(false);
            var status = result.EnsureSuccess().Output!;
            progress?.Report(status);
            if (status.State == ModelRequestStates.Ready)
            {
                return status;
            }

            if (status.State == ModelRequestStates.Failed)
            {
                throw new BytezException(
                    string.IsNullOrEmpty(status.Error) ? $"The request for {modelId} failed." : status.Error);
            }

            await Task.Delay(interval, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Requests a Hugging Face model (<see cref="RequestModelAsync(string, ModelRequestOptions?, CancellationToken)"/>)
    /// and follows the job until the model is ready (<see cref="WaitForModelAsync"/>). When the server answers that
    /// the model is available already, returns at once: the request's state if the server has a ready one, otherwise
    /// a ready state filled from the catalog entry (<c>list/models</c>) when there is one.
    /// </summary>
    /// <param name="modelId">The Hugging Face model id, <c>org/name</c>.</param>
    /// <param name="progress">Receives every state read, the final one included; <see langword="null"/> for none.</param>
    /// <param name="options">Revision and webhook; <see langword="null"/> sends no body.</param>
    /// <param name="cancellationToken">
    /// Stops the request or the following (a queued job goes on on the server); cancelling throws
    /// <see cref="OperationCanceledException"/>.
    /// </param>
    /// <returns>The ready state.</returns>
    /// <exception cref="BytezException">The request was refused, the job failed, or a status read failed.</exception>
    public async Task<ModelRequestStatus> RequestModelAndWaitAsync(
        string modelId,
        IProgress<ModelRequestStatus>? progress = null,
        ModelRequestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var requested = await RequestModelAsync(modelId, options, cancellationToken).ConfigureAwait(false);
        requested.EnsureSuccess();
        if (requested.Output is { ValueKind: JsonValueKind.String } answer && answer.GetString() == ModelAvailable)
        {
            var available = await AvailableStatusAsync(modelId, cancellationToken).ConfigureAwait(false);
            progress?.Report(available);
            return available;
        }

        return await WaitForModelAsync(modelId, progress, pollInterval: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The state of a model the server says is available: its ready request, or one made from its catalog entry.</summary>
    private async Task<ModelRequestStatus> AvailableStatusAsync(string modelId, CancellationToken cancellationToken)
    {
        var request = await GetRequestAsync(modelId, cancellationToken).ConfigureAwait(false);
        if (request is { IsSuccess: true, Output: { State: ModelRequestStates.Ready } ready })
        {
            return ready;
        }

        var listed = await List.ModelsAsync(new ListModelsOptions { ModelId = modelId }, cancellationToken).ConfigureAwait(false);
        var model = listed.IsSuccess
            ? listed.Output?.FirstOrDefault(m => string.Equals(m.ModelId, modelId, StringComparison.OrdinalIgnoreCase))
            : null;
        var now = TimeProvider.GetUtcNow();
        return new ModelRequestStatus
        {
            ModelId = modelId,
            State = ModelRequestStates.Ready,
            Task = model?.Task,
            RamRequired = model?.RamRequired,
            Params = model?.Params,
            CreatedAt = now,
            EndedAt = now,
            UpdatedAt = now,
        };
    }

    private static string RequestPath(string modelId) => "request/" + BytezModel.EscapeModelId(modelId);
}
