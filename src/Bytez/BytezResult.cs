using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bytez.Protocol;

namespace Bytez;

/// <summary>
/// The answer of a Bytez call whose output has a known type: the output, or the error. API errors and transport
/// failures do not throw; they are reported in <see cref="Error"/>. Call <see cref="EnsureSuccess"/> to turn them
/// into a <see cref="BytezException"/>.
/// </summary>
/// <typeparam name="T">The type of <see cref="Output"/>.</typeparam>
public class BytezResult<T>
{
    /// <summary>Creates a result; the SDK creates these, tests and fakes may too.</summary>
    /// <param name="output">The output, or <see langword="null"/>/default on failure.</param>
    /// <param name="error">The error, or <see langword="null"/> on success.</param>
    /// <param name="statusCode">The HTTP status code, or <see langword="null"/> when no response arrived.</param>
    /// <param name="responseBody">The raw body of a failed call, or <see langword="null"/>.</param>
    public BytezResult(T? output, string? error, HttpStatusCode? statusCode, string? responseBody = null)
    {
        Output = output;
        Error = error;
        StatusCode = statusCode;
        ResponseBody = responseBody;
    }

    /// <summary>
    /// The output of the call, or <see langword="null"/>/default when it failed. (<see cref="BytezModel.LoadAsync"/>
    /// keeps the last cluster it read when the cluster failed or the wait timed out.)
    /// </summary>
    public T? Output { get; }

    /// <summary>The error message, or <see langword="null"/> when the call succeeded.</summary>
    public string? Error { get; }

    /// <summary>
    /// The HTTP status code of the answer, or <see langword="null"/> when no response arrived (connection failure,
    /// timeout).
    /// </summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The raw response body when the call failed and a body arrived, for diagnostics; otherwise <see langword="null"/>.</summary>
    public string? ResponseBody { get; }

    /// <summary>Whether the call succeeded, that is <see cref="Error"/> is <see langword="null"/>.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Throws a <see cref="BytezException"/> when <see cref="Error"/> is set; otherwise returns this result.</summary>
    /// <exception cref="BytezException">The call failed; the exception carries the status code and raw body.</exception>
    public virtual BytezResult<T> EnsureSuccess()
    {
        ThrowIfFailed();
        return this;
    }

    /// <summary>Throws a <see cref="BytezException"/> built from this result when <see cref="Error"/> is set.</summary>
    protected void ThrowIfFailed()
    {
        if (!IsSuccess)
        {
            throw new BytezException(Error, StatusCode, ResponseBody);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        IsSuccess ? $"{(int?)StatusCode} {Output}" : $"{(int?)StatusCode} error: {Error}";
}

/// <summary>
/// The answer of running a model: the task output as JSON (its shape depends on the task), or the error, plus the
/// provider's raw answer for closed-source models. The <c>Get...</c> accessors read common output shapes; they call
/// <see cref="EnsureSuccess"/> first.
/// </summary>
public sealed partial class BytezResult : BytezResult<JsonElement?>
{
    /// <summary>Creates a result; the SDK creates these, tests and fakes may too.</summary>
    /// <param name="output">The <c>output</c> of the envelope.</param>
    /// <param name="error">The error, or <see langword="null"/> on success.</param>
    /// <param name="provider">The <c>provider</c> of the envelope (closed-source models only).</param>
    /// <param name="statusCode">The HTTP status code, or <see langword="null"/> when no response arrived.</param>
    /// <param name="responseBody">The raw body of a failed call, or <see langword="null"/>.</param>
    public BytezResult(JsonElement? output, string? error, JsonElement? provider, HttpStatusCode? statusCode, string? responseBody = null)
        : base(output, error, statusCode, responseBody)
    {
        Provider = provider;
    }

    /// <summary>The provider's raw answer for closed-source models; <see langword="null"/> otherwise.</summary>
    public JsonElement? Provider { get; }

    /// <inheritdoc cref="BytezResult{T}.EnsureSuccess"/>
    public override BytezResult EnsureSuccess()
    {
        ThrowIfFailed();
        return this;
    }

    /// <summary>
    /// The output as text: the output itself when it is a string (text-generation, summarization, translation,
    /// text2text-generation, ASR, media URLs), the <c>content</c> of a chat message whose content is a string, or
    /// the text of Hugging Face's pipeline form <c>[{"summary_text": ...}]</c> (also <c>generated_text</c>,
    /// <c>translation_text</c>) with one item.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output has none of these shapes.</exception>
    public string GetText() => TaskOutputReader.Text(RequireOutput("text"));

    /// <summary>
    /// The output as one embedding vector (feature-extraction, sentence-similarity): a number array, or the only
    /// row of a one-row matrix.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a vector.</exception>
    public float[] GetEmbedding()
    {
        var output = RequireOutput("an array of numbers");
        if (IsNumberArray(output))
        {
            return ToVector(output);
        }

        if (output.ValueKind == JsonValueKind.Array && output.GetArrayLength() == 1 && IsNumberArray(output[0]))
        {
            return ToVector(output[0]);
        }

        throw TaskOutputReader.Mismatch("an array of numbers", output);
    }

    /// <summary>
    /// The output as a list of embedding vectors (image-feature-extraction's <c>[tokens][hidden]</c>, batched inputs):
    /// a matrix of numbers, one vector as a one-row matrix, or the Python pipeline's <c>[1][tokens][hidden]</c> of one
    /// image as its matrix.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a matrix of numbers.</exception>
    public float[][] GetEmbeddings()
    {
        var output = RequireOutput("an array of number arrays");
        if (IsNumberArray(output))
        {
            return [ToVector(output)];
        }

        if (output.ValueKind == JsonValueKind.Array && output.GetArrayLength() == 1 && output[0].ValueKind == JsonValueKind.Array
            && output[0].GetArrayLength() > 0 && output[0][0].ValueKind == JsonValueKind.Array)
        {
            // [1][tokens][hidden]: transformers' ImageFeatureExtractionPipeline keeps the batch axis of one image.
            output = output[0];
        }

        if (output.ValueKind == JsonValueKind.Array)
        {
            var rows = new float[output.GetArrayLength()][];
            var index = 0;
            foreach (var row in output.EnumerateArray())
            {
                if (!IsNumberArray(row))
                {
                    throw TaskOutputReader.Mismatch("an array of number arrays", output);
                }

                rows[index++] = ToVector(row);
            }

            return rows;
        }

        throw TaskOutputReader.Mismatch("an array of number arrays", output);
    }

    /// <summary>The output as a chat message <c>{role, content}</c> (chat and the *-text-to-text tasks).</summary>
    /// <exception cref="BytezException">The call failed, or the output is not a chat message.</exception>
    public ChatMessage GetChatMessage()
    {
        var output = RequireOutput("a chat message {role, content}");
        if (output.ValueKind == JsonValueKind.Object
            && output.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            && output.TryGetProperty("content", out _))
        {
            return output.Deserialize(ProtocolJsonContext.Default.ChatMessage)!;
        }

        throw TaskOutputReader.Mismatch("a chat message {role, content}", output);
    }

    /// <summary>The output converted to <typeparamref name="TOutput"/> with source-generated metadata (trim and AOT safe).</summary>
    /// <param name="typeInfo">The metadata of <typeparamref name="TOutput"/>, from a <c>JsonSerializerContext</c>.</param>
    /// <exception cref="BytezException">The call failed or returned no output.</exception>
    /// <exception cref="JsonException">The output does not fit <typeparamref name="TOutput"/>.</exception>
    public TOutput? GetOutput<TOutput>(JsonTypeInfo<TOutput> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var output = RequireOutput(typeof(TOutput).Name);
        return output.Deserialize(typeInfo);
    }

    /// <summary>The output converted to <typeparamref name="TOutput"/> by reflection-based System.Text.Json.</summary>
    /// <param name="options">Serializer options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="BytezException">The call failed or returned no output.</exception>
    /// <exception cref="JsonException">The output does not fit <typeparamref name="TOutput"/>.</exception>
    [RequiresUnreferencedCode(JsonInput.ReflectionMessage)]
    [RequiresDynamicCode(JsonInput.ReflectionMessage)]
    public TOutput? GetOutput<TOutput>(JsonSerializerOptions? options = null)
    {
        var output = RequireOutput(typeof(TOutput).Name);
        return output.Deserialize<TOutput>(options);
    }

    /// <summary>The output of a successful call; throws when the call failed or returned no output.</summary>
    /// <param name="expected">What the accessor reads, for the message when there is no output.</param>
    private JsonElement RequireOutput(string expected)
    {
        ThrowIfFailed();
        return Output ?? throw new BytezException($"Expected the output to be {expected}, but the call succeeded without output.", StatusCode, null);
    }

    private static bool IsNumberArray(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number)
            {
                return false;
            }
        }

        return true;
    }

    private static float[] ToVector(JsonElement array)
    {
        var vector = new float[array.GetArrayLength()];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            vector[index++] = (float)item.GetDouble();
        }

        return vector;
    }
}
