using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Bytez.Protocol;

namespace Bytez;

/// <summary>
/// A handle on one model, from <see cref="BytezClient.Model"/>: runs it (<c>POST {modelId}</c>), streams its
/// output, and manages its cluster (load, status, update, shut down). Cheap to create and thread-safe.
/// </summary>
/// <remarks>
/// The input is sent as the generic <c>input</c> field and the server maps it to the task's own field: a string for
/// text tasks, a message list for chat, a URL or base64 string for media, an object such as
/// <c>{question, context}</c> for question answering. Parameters go to <c>params</c> unchanged. <c>RunAsync</c> never
/// throws for API errors or transport failures: check <see cref="BytezResult{T}.Error"/> or call
/// <see cref="BytezResult{T}.EnsureSuccess"/>. Cancelling the caller's token throws
/// <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed partial class BytezModel
{
    private const int ChunkSize = 16 * 1024;

    private readonly BytezClient _client;
    private readonly string _path;
    private volatile ModelInfo? _details;

    internal BytezModel(BytezClient client, string modelId, string? providerKey)
    {
        _path = EscapeModelId(modelId);
        _client = client;
        Id = modelId;
        ProviderKey = providerKey;
    }

    /// <summary>The model id, <c>org/name</c>.</summary>
    public string Id { get; }

    /// <summary>The client this handle sends through.</summary>
    internal BytezClient Client => _client;

    /// <summary>The provider key sent as <c>provider-key</c> for closed-source models, or <see langword="null"/>.</summary>
    public string? ProviderKey { get; }

    /// <summary>
    /// The catalog entry of the model (task, size, price), read once from <c>GET list/models?modelId=...</c> and
    /// then cached. Returns <see langword="null"/> when the model is not listed or the call failed (failures are not
    /// cached).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<ModelInfo?> GetDetailsAsync(CancellationToken cancellationToken = default)
    {
        if (_details is { } cached)
        {
            return cached;
        }

        var result = await _client.List.ModelsAsync(new ListModelsOptions { ModelId = Id }, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess || result.Output is not { } models)
        {
            return null;
        }

        var details = models.FirstOrDefault(model => string.Equals(model.ModelId, Id, StringComparison.OrdinalIgnoreCase));
        _details = details;
        return details;
    }

    // ---- Run -------------------------------------------------------------------------------------------------

    /// <summary>Runs a model that takes no input, such as unconditional-image-generation.</summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(CancellationToken cancellationToken = default) =>
        RunCoreAsync(null, null, cancellationToken);

    /// <summary>Runs the model on a text (text-generation, summarization, translation, embeddings, text-to-image, ...).</summary>
    /// <param name="text">The text, or a URL or base64 string for media tasks.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(string text, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromText(text), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Runs the model on several texts at once (sent as a JSON array of strings).</summary>
    /// <param name="texts">The texts.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(IReadOnlyList<string> texts, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromTexts(texts), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Runs a chat model (chat, image-text-to-text, audio-text-to-text, video-text-to-text) on a conversation.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(IReadOnlyList<ChatMessage> messages, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromMessages(messages), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Runs the model on an input given as JSON; <see langword="null"/> or a JSON null sends no input.</summary>
    /// <param name="input">The input as JSON.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(JsonElement? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromElement(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Runs the model with input and parameters both given as JSON, sent unchanged.</summary>
    /// <param name="input">The input as JSON; <see langword="null"/> or a JSON null sends no input.</param>
    /// <param name="parameters">The <c>params</c> object as JSON.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(JsonElement? input, JsonElement parameters, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromElement(input), JsonInput.FromElement(parameters), cancellationToken);

    /// <summary>Runs the model on an input built as a <see cref="JsonNode"/>, for example a <see cref="JsonObject"/> <c>{question, context}</c>.</summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(JsonNode? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromNode(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Runs the model on an input of your own type, serialized with source-generated metadata (trim and AOT safe).</summary>
    /// <typeparam name="TInput">The type of the input.</typeparam>
    /// <param name="input">The input.</param>
    /// <param name="inputTypeInfo">The metadata of <typeparamref name="TInput"/>, from a <c>JsonSerializerContext</c>.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync<TInput>(
        TInput input, JsonTypeInfo<TInput> inputTypeInfo, ModelParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputTypeInfo);
        var element = JsonInput.FromElement(JsonSerializer.SerializeToElement(input, inputTypeInfo));
        return RunCoreAsync(element, JsonInput.FromParameters(parameters), cancellationToken);
    }

    /// <summary>
    /// Runs the model on any input: strings, lists, <see cref="ChatMessage"/> lists and JSON values are sent as
    /// such; other objects (anonymous types, records, dictionaries) are serialized by reflection-based
    /// System.Text.Json with property names as declared, for example <c>new { question = "...", context = "..." }</c>.
    /// </summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public Task<BytezResult> RunAsync(object? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromObject(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>
    /// Runs the model on any input with parameters given as a dictionary, passed through unchanged, for example
    /// <c>{ ["max_new_tokens"] = 20, ["temperature"] = 0.2 }</c>.
    /// </summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">The <c>params</c> object; values are serialized by reflection-based System.Text.Json.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public Task<BytezResult> RunAsync(object? input, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromObject(input), JsonInput.FromDictionary(parameters), cancellationToken);

    /// <summary>Runs the model on any input with parameters given as JSON, sent unchanged.</summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">The <c>params</c> object as JSON.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public Task<BytezResult> RunAsync(object? input, JsonElement parameters, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.FromObject(input), JsonInput.FromElement(parameters), cancellationToken);

    // ---- Stream text ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Streams the generated text of a text-streaming task (text-generation, chat, summarization, translation, ...)
    /// as pieces, each yielded as soon as its bytes arrive; concatenate them for the whole text.
    /// </summary>
    /// <param name="text">The prompt.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces. Enumerating throws <see cref="BytezException"/> when the API answers with an error
    /// status or the connection fails, since a stream has no <c>Error</c> slot.</returns>
    /// <remarks>
    /// Sends <c>stream: true</c>. Pieces are raw text, not lines: newlines are kept, and a piece may hold part of a
    /// word. A multi-byte UTF-8 character is never split across pieces. A model that fails after the stream began
    /// writes its error into the text, as the hosted API does. <see cref="BytezClientOptions.Timeout"/> covers the
    /// whole stream.
    /// </remarks>
    public IAsyncEnumerable<string> StreamAsync(string text, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromText(text), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the assistant's reply to a conversation as text pieces (see <see cref="StreamAsync(string, ModelParameters?, CancellationToken)"/>).</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    public IAsyncEnumerable<string> StreamAsync(IReadOnlyList<ChatMessage> messages, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromMessages(messages), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the output of an input given as JSON as text pieces (see <see cref="StreamAsync(string, ModelParameters?, CancellationToken)"/>).</summary>
    /// <param name="input">The input as JSON; <see langword="null"/> or a JSON null sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    public IAsyncEnumerable<string> StreamAsync(JsonElement? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromElement(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the output with input and parameters both given as JSON (see <see cref="StreamAsync(string, ModelParameters?, CancellationToken)"/>).</summary>
    /// <param name="input">The input as JSON; <see langword="null"/> or a JSON null sends no input.</param>
    /// <param name="parameters">The <c>params</c> object as JSON.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    public IAsyncEnumerable<string> StreamAsync(JsonElement? input, JsonElement parameters, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromElement(input), JsonInput.FromElement(parameters), cancellationToken);

    /// <summary>Streams the output of an input built as a <see cref="JsonNode"/> (see <see cref="StreamAsync(string, ModelParameters?, CancellationToken)"/>).</summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    public IAsyncEnumerable<string> StreamAsync(JsonNode? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromNode(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the output of any input as text pieces; other objects are serialized by reflection (see the matching <c>RunAsync</c>).</summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public IAsyncEnumerable<string> StreamAsync(object? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromObject(input), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the output of any input with parameters given as a dictionary, passed through unchanged.</summary>
    /// <param name="input">The input; <see langword="null"/> sends no input.</param>
    /// <param name="parameters">The <c>params</c> object; values are serialized by reflection-based System.Text.Json.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The text pieces; enumerating throws <see cref="BytezException"/> on an error status or transport failure.</returns>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public IAsyncEnumerable<string> StreamAsync(object? input, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default) =>
        StreamTextCoreAsync(JsonInput.FromObject(input), JsonInput.FromDictionary(parameters), cancellationToken);

    // ---- Stream media bytes --------------------------------------------------------------------------------------

    /// <summary>
    /// Streams the raw bytes of generated media (text-to-image, text-to-speech, text-to-audio, text-to-video; see
    /// <see cref="BytezTasks.MediaGeneration"/>) instead of the JSON envelope with a URL. Sends <c>json: false</c>,
    /// as the official clients do for media tasks.
    /// </summary>
    /// <param name="text">The prompt.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// Byte chunks in arrival order, each a fresh buffer the caller may keep. Enumerating throws
    /// <see cref="BytezException"/> on an error status or transport failure.
    /// </returns>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> StreamBytesAsync(string text, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamBytesCoreAsync(JsonInput.FromText(text), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>Streams the raw bytes of generated media for an input given as JSON (see <see cref="StreamBytesAsync(string, ModelParameters?, CancellationToken)"/>).</summary>
    /// <param name="input">The input as JSON; <see langword="null"/> or a JSON null sends no input.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the stream; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Byte chunks the caller may keep; enumerating throws <see cref="BytezException"/> on failure.</returns>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> StreamBytesAsync(JsonElement? input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        StreamBytesCoreAsync(JsonInput.FromElement(input), JsonInput.FromParameters(parameters), cancellationToken);

    // ---- Internals -----------------------------------------------------------------------------------------------

    /// <summary>Escapes each segment of a model id but keeps the slashes: <c>org/name</c> stays a two-segment path.</summary>
    internal static string EscapeModelId(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var segments = modelId.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new ArgumentException($"'{modelId}' is not a model id: expected segments such as org/name.", nameof(modelId));
            }
        }

        return string.Join('/', segments.Select(Uri.EscapeDataString));
    }

    private Task<BytezResult> RunCoreAsync(JsonElement? input, JsonElement? parameters, CancellationToken cancellationToken) =>
        _client.SendAsync(HttpMethod.Post, _path, new RunRequest { Input = input, Params = parameters }, ProviderKey, cancellationToken);

    private async IAsyncEnumerable<string> StreamTextCoreAsync(
        JsonElement? input, JsonElement? parameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = new RunRequest { Input = input, Params = parameters, Stream = true };
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(ChunkSize)];
        await foreach (var chunk in ReadBodyAsync(body, cancellationToken).ConfigureAwait(false))
        {
            // The decoder keeps the bytes of an unfinished character until the next chunk completes it.
            var count = decoder.GetChars(chunk.Span, chars, flush: false);
            if (count > 0)
            {
                yield return new string(chars, 0, count);
            }
        }

        var rest = decoder.GetChars(ReadOnlySpan<byte>.Empty, chars, flush: true);
        if (rest > 0)
        {
            yield return new string(chars, 0, rest);
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> StreamBytesCoreAsync(
        JsonElement? input, JsonElement? parameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = new RunRequest { Input = input, Params = parameters, Json = false };
        await foreach (var chunk in ReadBodyAsync(body, cancellationToken).ConfigureAwait(false))
        {
            yield return chunk.ToArray();
        }
    }

    /// <summary>Yields the body as it arrives; each chunk is valid only until the next one is requested.</summary>
    private async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadBodyAsync(RunRequest body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var timeout = _client.StartTimeout(cancellationToken);
        using var response = await _client.SendForStreamAsync(_path, body, ProviderKey, timeout, cancellationToken).ConfigureAwait(false);
        var stream = await GuardAsync(new ValueTask<Stream>(response.Content.ReadAsStreamAsync(timeout.Token)), timeout, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[ChunkSize];
            while (true)
            {
                var read = await GuardAsync(stream.ReadAsync(buffer, timeout.Token), timeout, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    yield break;
                }

                yield return buffer.AsMemory(0, read);
            }
        }
    }

    /// <summary>Turns transport failures and timeouts while reading a stream into <see cref="BytezException"/>.</summary>
    private async ValueTask<T> GuardAsync<T>(ValueTask<T> operation, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (Exception exception) when (BytezClient.IsTransportFailure(exception, cancellationToken))
        {
            throw new BytezException(_client.DescribeFailure(exception, timeout), null, null, exception);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }
}
