using System.Buffers;
using System.Text.Json;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// The OpenAI-compatible API: the same routes under Bytez's base (<c>/models/v2/openai/v1</c>) and under <c>/v1</c>,
/// so that any tool configured with <c>base_url=http://host:8080/v1</c> works. Requests translate at this edge into
/// the engine's one path; answers and errors are in OpenAI's shapes (<see cref="OpenAiErrors"/>).
/// </summary>
public static class OpenAiApi
{
    /// <summary>The OpenAI-compatible base under the Bytez API, as the hosted service serves it.</summary>
    public const string BytezPrefix = "/models/v2/openai/v1";

    /// <summary>The conventional OpenAI base path.</summary>
    public const string Prefix = "/v1";

    /// <summary>Whether a request path is under one of the OpenAI-compatible bases.</summary>
    public static bool IsOpenAiPath(PathString path) => path.StartsWithSegments(Prefix) || path.StartsWithSegments(BytezPrefix);

    /// <summary>Maps every OpenAI-compatible route under both bases.</summary>
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var prefix in new[] { BytezPrefix, Prefix })
        {
            var api = app.MapGroup(prefix);
            api.MapOpenAiModels();
            api.MapOpenAiEmbeddings();
            api.MapOpenAiTranscriptions();
            api.MapOpenAiSpeech();
            api.MapOpenAiChat();
            api.MapOpenAiCompletions();
            api.MapOpenAiResponses();
        }

        return app;
    }

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes a JSON answer built by <paramref name="write"/>, with a Content-Length, in one write.</summary>
    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
