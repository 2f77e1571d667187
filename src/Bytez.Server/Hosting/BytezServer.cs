using Bytez.Engine;
using Bytez.Server.Apis;
using Bytez.Server.Apis.Admin;
using Bytez.Server.Apis.Anthropic;
using Bytez.Server.Apis.OpenAi;
using Bytez.Server.Apis.Rerank;
using Bytez.Server.Apis.Tei;
using Bytez.Server.Apis.Tokenizer;
using Bytez.Server.Auth;
using Bytez.Server.Mcp;
using Bytez.Server.Observability;
using Bytez.Server.Playground;
using Bytez.Server.Usage;

namespace Bytez.Server.Hosting;

/// <summary>Builds the server: the table of contents of what runs, in order.</summary>
public static partial class BytezServer
{
    /// <summary>The route prefix of the Bytez v2 API.</summary>
    public const string ApiPrefix = "/models/v2";

    /// <summary>The address the server listens on unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>Creates the application from command-line arguments; <paramref name="configure"/> lets tests adjust the builder.</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddBytezLoggingDefaults();
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var options = ReadOptions(builder.Configuration);
        DataDirectory.EnsureWritable(options.Home);
        WebApplication? app = null;
        StartupFailure.QuietHostFailure(builder.Logging, builder.Configuration, () => app?.Lifetime.ApplicationStarted.IsCancellationRequested == true);
        builder.Services.AddSingleton(options);
        builder.WebHost.ConfigureKestrel(kestrel => HttpLimits.Configure(kestrel.Limits, options.MaxRequestBodyBytes));
        builder.Services.AddBytezApiKeys(options);
        builder.Services.AddBytezMedia(options);
        builder.Services.AddBytezEngine(options);
        builder.Services.AddBytezModelWatch(options);
        builder.Services.AddBytezHub(options);
        builder.Services.AddBytezResponses(options);
        builder.Services.AddBytezMcp();
        builder.Services.AddBytezProviders(options);
        builder.Services.AddBytezObservability(builder.Configuration);
        builder.Services.AddBytezUsage(builder.Configuration, options);
        configure?.Invoke(builder);

        app = builder.Build();
        app.UseBytezErrors();
        app.UseHttpLimits();
        app.UseWhen(
            c => c.Request.Path.StartsWithSegments(ApiPrefix) || c.Request.Path.StartsWithSegments(V1Api.Prefix)
                || c.Request.Path.StartsWithSegments(FilesApi.Prefix) || OpenAiApi.IsOpenAiPath(c.Request.Path)
                || RerankApi.IsRerankPath(c.Request.Path) || TeiApi.IsTeiPath(c.Request.Path) || TokenizerAliasesApi.IsAliasPath(c.Request.Path)
                || McpApi.IsMcpPath(c.Request.Path) || c.Request.Path.StartsWithSegments(KeysApi.AdminPrefix),
            api => api.UseMiddleware<ApiKeyMiddleware>().UseMiddleware<KeyLimitMiddleware>());
        app.UseBytezUsage();

        var api = app.MapGroup(ApiPrefix);
        api.MapListApi();
        api.MapRequestApi();
        api.MapClusterApi();
        api.MapStatusApi();
        api.MapModelFilesApi();
        api.MapRunApi();
        api.MapTokenizerApi();
        app.MapGroup(V1Api.Prefix).MapV1Api();
        app.MapOpenAiApi();
        app.MapRerankApi();
        app.MapTeiApi();
        app.MapTokenizerAliasesApi();
        app.MapAnthropicApi();
        app.MapFilesApi();
        app.MapMcpApi();
        app.MapKeysApi();
        app.MapUsageApi();
        app.MapBytezObservability();
        app.MapPlayground();

        ReportStart(app);
        return app;
    }

    /// <summary>Reads the options: the <c>Bytez</c> section, then <c>BYTEZ_HOME</c> and <c>BYTEZ_KEY</c>.</summary>
    public static BytezServerOptions ReadOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new BytezServerOptions();
        configuration.GetSection(BytezServerOptions.Section).Bind(options);
        if (string.IsNullOrWhiteSpace(configuration[$"{BytezServerOptions.Section}:Home"]) && configuration["BYTEZ_HOME"] is { Length: > 0 } home)
        {
            options.Home = home;
        }

        if (string.IsNullOrEmpty(options.Key) && configuration["BYTEZ_KEY"] is { Length: > 0 } key)
        {
            options.Key = key;
        }

        // The Hugging Face variables, as huggingface_hub reads them, unless the Bytez section sets the option.
        if (string.IsNullOrWhiteSpace(configuration[$"{BytezServerOptions.Section}:Hub:Endpoint"]) && configuration["HF_ENDPOINT"] is { Length: > 0 } endpoint)
        {
            options.Hub.Endpoint = endpoint;
        }

        if (string.IsNullOrEmpty(options.Hub.Token) && configuration["HF_TOKEN"] is { Length: > 0 } token)
        {
            options.Hub.Token = token;
        }

        options.Home = Path.GetFullPath(options.Home);
        return options;
    }

    private static void ReportStart(WebApplication app)
    {
        var options = app.Services.GetRequiredService<BytezServerOptions>();
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Bytez.Server");
        var engine = app.Services.GetRequiredService<InferenceEngine>();
        LogStarting(logger, options.Home, engine.Catalog.List().Count);
        if (options.MaxRequestBodyBytes < options.Media.Base64Length + MediaBodyOverhead)
        {
            LogBodyTooSmallForMedia(logger, options.MaxRequestBodyBytes, options.Media.MaxBytes, options.Media.Base64Length + MediaBodyOverhead);
        }
        if (keys.GeneratedKey is { } key)
        {
            // Shown once: only the hash is stored.
            Console.WriteLine($"""

                A new API key was created for this server. It is shown only now; keep it:

                    {key}

                Clients send it as 'Authorization: Key {key}'. Set BYTEZ_KEY to choose your own key instead.

                """);
        }
    }

    /// <summary>Room in a request body beside a base64 media input: a data URI prefix and the other fields.</summary>
    private const long MediaBodyOverhead = 64 * 1024;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bytez:MaxRequestBodyBytes ({BodyBytes}) is too small for a media input of Bytez:Media:MaxBytes ({MediaBytes}) sent as base64; raise it to at least {Needed}")]
    private static partial void LogBodyTooSmallForMedia(ILogger logger, long bodyBytes, long mediaBytes, long needed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bytez server: data directory {Home}, {Count} models in the catalog")]
    private static partial void LogStarting(ILogger logger, string home, int count);
}
