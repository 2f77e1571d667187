using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Bytez;

/// <summary>
/// <see cref="IChatClient"/> for one model over the OpenAI-compatible chat route,
/// <c>POST {base}/openai/v1/chat/completions</c> (<see cref="BytezModel.AsIChatClient"/>). Requests and answers are
/// mapped by <see cref="OpenAIChatMapper"/>; a stream is read as server-sent events up to <c>data: [DONE]</c>.
/// </summary>
internal sealed class BytezChatClient : IChatClient
{
    private const string Route = "chat/completions";

    private readonly BytezModel _model;
    private readonly ChatClientMetadata _metadata;

    public BytezChatClient(BytezModel model)
    {
        _model = model;
        _metadata = new ChatClientMetadata(
            OpenAIChatMapper.ProviderName, new Uri(model.Client.BaseAddress, BytezClient.OpenAIPath), model.Id);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = OpenAIChatMapper.Serialize(OpenAIChatMapper.ToRequest(messages, options, _model.Id, stream: false));
        var client = _model.Client;
        using var timeout = client.StartTimeout(cancellationToken);
        using var response = await client.SendOpenAIAsync(Route, body, _model.ProviderKey, timeout, cancellationToken).ConfigureAwait(false);
        var bytes = await Guard(response.Content.ReadAsByteArrayAsync(timeout.Token), timeout, cancellationToken).ConfigureAwait(false);
        return ReadCompletion(bytes, response);
    }

    /// <summary>A whole answer as a <see cref="ChatResponse"/>; a body that is not a chat completion throws <see cref="BytezException"/>.</summary>
    private static ChatResponse ReadCompletion(byte[] bytes, HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var completion = OpenAIChatMapper.Deserialize(bytes);
            return OpenAIChatMapper.ToChatResponse(completion, document.RootElement.Clone());
        }
        catch (JsonException exception)
        {
            throw new BytezException(
                $"The answer is not a chat completion: {exception.Message}", response.StatusCode, Envelope.DecodeBody(bytes), exception);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AIChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = OpenAIChatMapper.Serialize(OpenAIChatMapper.ToRequest(messages, options, _model.Id, stream: true));
        var client = _model.Client;
        using var timeout = client.StartTimeout(cancellationToken);
        using var response = await client.SendOpenAIAsync(Route, body, _model.ProviderKey, timeout, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            // A server that ignores "stream" answers one completion: its updates are those of the whole answer.
            var bytes = await Guard(response.Content.ReadAsByteArrayAsync(timeout.Token), timeout, cancellationToken).ConfigureAwait(false);
            foreach (var update in ReadCompletion(bytes, response).ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        var stream = await Guard(response.Content.ReadAsStreamAsync(timeout.Token), timeout, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var reader = new ServerSentEventReader(stream);
            var toolCalls = new OpenAIChatMapper.StreamedToolCalls();
            string? responseId = null;
            string? modelId = null;
            while (await Guard(reader.ReadDataAsync(timeout.Token).AsTask(), timeout, cancellationToken).ConfigureAwait(false) is { } data)
            {
                if (data == "[DONE]")
                {
                    break;
                }

                var chunk = ReadChunk(data, response);
                responseId ??= chunk.Id;
                modelId ??= chunk.Model;
                if (OpenAIChatMapper.ToUpdate(chunk, toolCalls, chunk) is { } update)
                {
                    yield return update;
                }
            }

            if (OpenAIChatMapper.Flush(toolCalls, responseId, modelId) is { } last)
            {
                yield return last;
            }
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(BytezModel) ? _model
            : serviceType == typeof(BytezClient) ? _model.Client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Nothing to release: the <see cref="BytezClient"/> belongs to whoever created it.</summary>
    public void Dispose()
    {
    }

    private static ChatCompletionResponse ReadChunk(string data, HttpResponseMessage response)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(data);
        ChatCompletionResponse chunk;
        try
        {
            chunk = OpenAIChatMapper.Deserialize(bytes);
        }
        catch (JsonException exception)
        {
            var message = BytezClient.OpenAIErrorMessage(bytes);
            throw new BytezException(message ?? $"A stream event is not a chat completion chunk: {exception.Message}", response.StatusCode, data, exception);
        }

        if (chunk.Error is { ValueKind: not JsonValueKind.Null })
        {
            // A server that fails after the stream began writes its error as an event: {"error": {"message": ...}}.
            throw new BytezException(BytezClient.OpenAIErrorMessage(bytes) ?? "The stream ended with an error.", response.StatusCode, data);
        }

        return chunk;
    }

    /// <summary>Turns transport failures and timeouts while reading into <see cref="BytezException"/>, as the Bytez streams do.</summary>
    private async Task<T> Guard<T>(Task<T> operation, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (Exception exception) when (BytezClient.IsTransportFailure(exception, cancellationToken))
        {
            throw new BytezException(_model.Client.DescribeFailure(exception, timeout), null, null, exception);
        }
        catch (InvalidDataException exception)
        {
            throw new BytezException(exception.Message, null, null, exception);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }
}
