using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Bytez;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="BytezClient"/> and the Microsoft.Extensions.AI clients of its models in a service
/// collection: <c>services.AddBytezClient(configuration.GetSection("Bytez"))</c>, then
/// <c>services.AddBytezChatClient("Qwen/Qwen3-4B").UseFunctionInvocation()</c>.
/// </summary>
public static class BytezServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the <see cref="BytezClient"/> sends through (<c>IHttpClientFactory</c>).</summary>
    public const string HttpClientName = "Bytez";

    /// <summary>
    /// Registers <see cref="BytezClient"/> with its settings read from configuration: <c>ApiKey</c>,
    /// <c>BaseAddress</c> (an absolute URL, for example <c>http://localhost:8080/models/v2/</c>) and <c>Timeout</c>
    /// (a <see cref="TimeSpan"/>, <c>00:15:00</c>) of the given section; the key falls back to <c>BYTEZ_KEY</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("Bytez")</c>.</param>
    /// <returns>The builder of the <see cref="HttpClient"/> the client sends through, to add handlers (retries, logging, ...).</returns>
    /// <remarks>The values are read when the client is first resolved; a bad URL or time span throws then, naming the key.</remarks>
    public static IHttpClientBuilder AddBytezClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddBytezClient(options => Bind(configuration, options));
    }

    /// <summary>
    /// Registers <see cref="BytezClient"/>: a typed client of <c>IHttpClientFactory</c> (the named client
    /// <see cref="HttpClientName"/>) with <see cref="BytezClientOptions"/> from the options system, so
    /// <c>services.Configure&lt;BytezClientOptions&gt;(...)</c> works too. The <see cref="HttpClient"/> has no timeout
    /// of its own (<see cref="BytezClientOptions.Timeout"/> rules), and its handler pools connections for 5 minutes
    /// and is kept for the client's life, so the singletons that hold a client (the chat, embedding and speech
    /// clients) stay safe.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> leaves them to other registrations (and <c>BYTEZ_KEY</c>).</param>
    /// <returns>The builder of the <see cref="HttpClient"/> the client sends through, to add handlers (retries, logging, ...).</returns>
    public static IHttpClientBuilder AddBytezClient(this IServiceCollection services, Action<BytezClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<BytezClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services
            .AddHttpClient(HttpClientName)
            .AddTypedClient(static (http, provider) => new BytezClient(http, provider.GetRequiredService<IOptions<BytezClientOptions>>().Value))
            .ConfigureHttpClient(static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.All,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Registers the <see cref="IChatClient"/> of a model (<see cref="BytezModel.AsIChatClient"/>) keyed by its id,
    /// and as the unkeyed <see cref="IChatClient"/> when none is registered yet. Needs <see cref="AddBytezClient(IServiceCollection, Action{BytezClientOptions}?)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The model id, also the service key.</param>
    /// <param name="lifetime">The lifetime of the registration; singleton by default.</param>
    /// <returns>The pipeline's builder, for example to <c>.UseFunctionInvocation()</c>.</returns>
    public static ChatClientBuilder AddBytezChatClient(this IServiceCollection services, string modelId, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var builder = services.AddKeyedChatClient(modelId, provider => provider.GetRequiredService<BytezClient>().Model(modelId).AsIChatClient(), lifetime);
        services.TryAdd(new ServiceDescriptor(typeof(IChatClient), provider => provider.GetRequiredKeyedService<IChatClient>(modelId), lifetime));
        return builder;
    }

    /// <summary>
    /// Registers the embedding generator of a model (<see cref="BytezModel.AsIEmbeddingGenerator"/>) keyed by its
    /// id, and as the unkeyed one when none is registered yet. Needs <see cref="AddBytezClient(IServiceCollection, Action{BytezClientOptions}?)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The model id, also the service key.</param>
    /// <param name="maxBatchSize">The most texts in one request (see <see cref="BytezModel.AsIEmbeddingGenerator"/>).</param>
    /// <param name="lifetime">The lifetime of the registration; singleton by default.</param>
    /// <returns>The pipeline's builder, for example to add caching or telemetry.</returns>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddBytezEmbeddingGenerator(
        this IServiceCollection services, string modelId, int maxBatchSize = BytezModel.DefaultEmbeddingBatchSize, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        var builder = services.AddKeyedEmbeddingGenerator(
            modelId, provider => provider.GetRequiredService<BytezClient>().Model(modelId).AsIEmbeddingGenerator(maxBatchSize), lifetime);
        services.TryAdd(new ServiceDescriptor(
            typeof(IEmbeddingGenerator<string, Embedding<float>>),
            provider => provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(modelId),
            lifetime));
        return builder;
    }

    /// <summary>
    /// Registers the <see cref="ISpeechToTextClient"/> of a model (<see cref="BytezModel.AsISpeechToTextClient"/>) keyed
    /// by its id, and as the unkeyed one when none is registered yet. Needs <see cref="AddBytezClient(IServiceCollection, Action{BytezClientOptions}?)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="modelId">The model id, also the service key.</param>
    /// <param name="lifetime">The lifetime of the registration; singleton by default.</param>
    /// <returns>The pipeline's builder, for example to add logging.</returns>
    /// <remarks>
    /// Microsoft.Extensions.AI marks its speech-to-text API experimental (diagnostic <c>MEAI001</c>), so this method
    /// is too: suppress <c>MEAI001</c> to call it.
    /// </remarks>
    [Experimental(BytezModel.SpeechToTextDiagnosticId)]
    public static SpeechToTextClientBuilder AddBytezSpeechToTextClient(this IServiceCollection services, string modelId, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var builder = services.AddKeyedSpeechToTextClient(modelId, provider => provider.GetRequiredService<BytezClient>().Model(modelId).AsISpeechToTextClient(), lifetime);
        services.TryAdd(new ServiceDescriptor(typeof(ISpeechToTextClient), provider => provider.GetRequiredKeyedService<ISpeechToTextClient>(modelId), lifetime));
        return builder;
    }

    /// <summary>Reads the options from configuration by hand: no reflection, so trimming and native AOT keep working.</summary>
    private static void Bind(IConfiguration configuration, BytezClientOptions options)
    {
        if (configuration[nameof(BytezClientOptions.ApiKey)] is { Length: > 0 } key)
        {
            options.ApiKey = key;
        }

        if (configuration[nameof(BytezClientOptions.BaseAddress)] is { Length: > 0 } address)
        {
            options.BaseAddress = Uri.TryCreate(address, UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidOperationException($"Bytez configuration: BaseAddress '{address}' is not an absolute URL.");
        }

        if (configuration[nameof(BytezClientOptions.Timeout)] is { Length: > 0 } timeout)
        {
            options.Timeout = TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out var span)
                ? span
                : throw new InvalidOperationException($"Bytez configuration: Timeout '{timeout}' is not a time span such as 00:15:00.");
        }
    }
}
