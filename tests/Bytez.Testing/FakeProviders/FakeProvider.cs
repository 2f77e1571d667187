using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Testing.FakeProviders;

/// <summary>One request a fake provider received: what the proxy really sent over the wire.</summary>
/// <param name="Path">The request path, such as <c>/v1/chat/completions</c>.</param>
/// <param name="Query">The query string, with its <c>?</c>, or empty.</param>
/// <param name="Headers">Every request header (names lower-case), values joined by commas.</param>
/// <param name="Body">The JSON body.</param>
public sealed record RecordedProviderRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, JsonElement Body);

/// <summary>How a fake provider treats a request, chosen by the key it was sent.</summary>
public enum FakeKeyBehaviour
{
    /// <summary>An unknown key: the provider's "invalid key" error.</summary>
    Invalid,

    /// <summary>The valid key: a normal answer.</summary>
    Valid,

    /// <summary>The provider's rate-limit error with a retry delay of <see cref="FakeProvider.RetryAfterSeconds"/>.</summary>
    RateLimited,

    /// <summary>No answer for a long time (to test the proxy's timeout).</summary>
    Slow,
}

/// <summary>
/// A fake closed-source provider: a real Kestrel app on a loopback port the OS picks that speaks one provider's
/// real wire format (paths, auth headers, JSON, SSE streaming, error bodies). It answers
/// <c>"&lt;Provider&gt; heard: &lt;last user message&gt;"</c>, streamed in pieces of <see cref="PieceLength"/>
/// characters, and records every request.
/// </summary>
public abstract class FakeProvider : IAsyncDisposable
{
    /// <summary>The delay the rate-limited key is told to wait, in seconds.</summary>
    public const int RetryAfterSeconds = 7;

    /// <summary>The size of each streamed piece of the answer.</summary>
    public const int PieceLength = 4;

    /// <summary>The key the fake treats as rate limited (any provider).</summary>
    public const string RateLimitedKey = "sk-rate-limited-0000";

    /// <summary>The key the fake holds without answering (any provider).</summary>
    public const string SlowKey = "sk-slow-0000";

    private readonly ConcurrentQueue<RecordedProviderRequest> _requests = new();
    private WebApplication? _app;

    /// <summary>The provider's name in Bytez model ids (<c>openai</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The provider's name in its answers (<c>OpenAI</c>).</summary>
    public abstract string DisplayName { get; }

    /// <summary>The key this fake accepts: <c>sk-&lt;name&gt;-valid-...</c>.</summary>
    public string ValidKey => $"sk-{Name}-valid-5f0c9a1e7b3d";

    /// <summary>The address of the fake, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The value of <c>Bytez:Providers:&lt;Provider&gt;:BaseUrl</c> that points the proxy here (with <c>/v1</c> where the provider's base has it).</summary>
    public abstract string BaseUrl { get; }

    /// <summary>Every request received, oldest first.</summary>
    public IReadOnlyList<RecordedProviderRequest> Requests => _requests.ToArray();

    /// <summary>The most recent request.</summary>
    public RecordedProviderRequest LastRequest => _requests.Last();

    /// <summary>The answer the fake gives to a conversation whose last user message is <paramref name="lastUser"/>.</summary>
    public string Reply(string lastUser) => $"{DisplayName} heard: {lastUser}";

    /// <summary>The answer cut into the streamed pieces.</summary>
    public static IReadOnlyList<string> Pieces(string text) =>
        Enumerable.Range(0, (text.Length + PieceLength - 1) / PieceLength)
            .Select(i => text.Substring(i * PieceLength, Math.Min(PieceLength, text.Length - (i * PieceLength)))).ToList();

    /// <summary>Starts the fake.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>Maps the provider's routes.</summary>
    protected abstract void Map(WebApplication app);

    /// <summary>Reads and records the request; the body must be JSON.</summary>
    protected async Task<RecordedProviderRequest> RecordAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var recorded = new RecordedProviderRequest(context.Request.Path, context.Request.QueryString.Value ?? "", headers, document.RootElement.Clone());
        _requests.Enqueue(recorded);
        return recorded;
    }

    /// <summary>What to do for a key.</summary>
    protected FakeKeyBehaviour Behaviour(string? key) => key switch
    {
        RateLimitedKey => FakeKeyBehaviour.RateLimited,
        SlowKey => FakeKeyBehaviour.Slow,
        _ when key == ValidKey => FakeKeyBehaviour.Valid,
        _ => FakeKeyBehaviour.Invalid,
    };

    /// <summary>Holds the request until the client goes away (at most a minute).</summary>
    protected static async Task HoldAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes a JSON answer.</summary>
    protected static async Task JsonAsync(HttpContext context, int status, object body)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Starts an SSE answer.</summary>
    protected static async Task StartEventsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes one SSE event (<c>event:</c> line when <paramref name="eventType"/> is set) and flushes it.</summary>
    protected static async Task EventAsync(HttpContext context, string? eventType, object data, string newline = "\n")
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = new StringBuilder();
        if (eventType is not null)
        {
            text.Append("event: ").Append(eventType).Append(newline);
        }

        text.Append("data: ").Append(data as string ?? JsonSerializer.Serialize(data)).Append(newline).Append(newline);
        await context.Response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The text of the last user message of a <c>messages</c> (or Gemini <c>contents</c>) array.</summary>
    protected static string LastUserText(JsonElement messages, string userRole = "user")
    {
        var text = "";
        foreach (var message in messages.EnumerateArray())
        {
            if (message.GetProperty("role").GetString() != userRole)
            {
                continue;
            }

            if (message.TryGetProperty("content", out var content))
            {
                text = content.GetString()!;
            }
            else
            {
                text = string.Concat(message.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString()));
            }
        }

        return text;
    }

    /// <summary>The key of a <c>Authorization: Bearer</c> header, or <see langword="null"/>.</summary>
    protected static string? BearerKey(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
    }

    /// <summary>Stops the fake.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
