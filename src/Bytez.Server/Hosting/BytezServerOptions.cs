using Bytez.Engine;
using Bytez.Engine.LlamaCpp;
using Bytez.Hub;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;
using Bytez.Engine.Scheduling;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Templating;
using Bytez.Server.Media;
using Bytez.Server.Providers;
using Bytez.Server.Responses;

namespace Bytez.Server.Hosting;

/// <summary>
/// Settings of the server, bound from the configuration section <c>Bytez</c> (for example the environment variable
/// <c>Bytez__Home</c>) with the shorter environment variables <c>BYTEZ_HOME</c> and <c>BYTEZ_KEY</c> as fallbacks.
/// Every option is listed in docs/configuration.md.
/// </summary>
public sealed class BytezServerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Bytez";

    /// <summary>The data directory: model store, key hash, measurements. Default <c>~/.bytez</c>.</summary>
    public string Home { get; set; } = DefaultHome();

    /// <summary>Where models live; default <c>&lt;Home&gt;/models</c>.</summary>
    public string? ModelsPath { get; set; }

    /// <summary>The one API key the server accepts. When unset, a key is generated at first start and only its hash kept.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// The address clients reach this server at (<c>https://models.example.org</c>), for the URLs of files tasks
    /// produce; unset: the scheme and host each request came in on. Set it behind a reverse proxy.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Whether the embedded default models are installed into the model store at start.</summary>
    public bool EmbeddedModels { get; set; } = true;

    /// <summary>
    /// The largest request body accepted, in bytes; larger bodies get 413. Default 36 MiB: room for a media input of
    /// <see cref="MediaOptions.MaxBytes"/> (25 MiB) sent as base64 (4/3 of it) and the rest of the JSON.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 36L << 20;

    /// <summary>How models added to or removed from the models directory while running are noticed (section <c>Bytez:ModelWatch</c>).</summary>
    public ModelWatchOptions ModelWatch { get; set; } = new();

    /// <summary>The ONNX Runtime backend: sessions per model, threads, batch size (section <c>Bytez:Onnx</c>).</summary>
    public OnnxRuntimeOptions Onnx { get; set; } = new();

    /// <summary>The ONNX decoder backend: weight variant, continuous batching (section <c>Bytez:OnnxDecoder</c>).</summary>
    public OnnxDecoderOptions OnnxDecoder { get; set; } = new();

    /// <summary>Limits of the tokenizers read from model files: regex time per match (section <c>Bytez:Tokenizers</c>).</summary>
    public TokenizerOptions Tokenizers { get; set; } = new();

    /// <summary>The llama.cpp backend: context size, threads, batch (section <c>Bytez:LlamaCpp</c>).</summary>
    public LlamaCppOptions LlamaCpp { get; set; } = new();

    /// <summary>Instances, memory budget, concurrency and queues (section <c>Bytez:Scheduler</c>).</summary>
    public SchedulerOptions Scheduler { get; set; } = new();

    /// <summary>Bounds on parsing and rendering chat templates, which are untrusted input (section <c>Bytez:Templates</c>).</summary>
    public TemplateLimits Templates { get; set; } = new();
    /// <summary>Per-request limits: deadline, input tokens, items (section <c>Bytez:Requests</c>).</summary>
    public RequestLimitsOptions Requests { get; set; } = new();

    /// <summary>Media inputs and outputs: byte, pixel and duration bounds, URL fetching, produced files (section <c>Bytez:Media</c>).</summary>
    public MediaOptions Media { get; set; } = new();

    /// <summary>Model requests: the hub, its token, the cache, what to download, job concurrency (section <c>Bytez:Hub</c>).</summary>
    public HubOptions Hub { get; set; } = new();

    /// <summary>Stored conversations of the OpenAI-compatible Responses API: retention, conversation bounds (section <c>Bytez:Responses</c>).</summary>
    public ResponsesOptions Responses { get; set; } = new();

    /// <summary>The closed-source provider proxy: keys, addresses, listed models, call bounds (section <c>Bytez:Providers</c>).</summary>
    public ProvidersOptions Providers { get; set; } = new();

    /// <summary>Issued API keys: the default limits of every key (section <c>Bytez:Keys</c>).</summary>
    public Auth.ApiKeyOptions Keys { get; set; } = new();

    /// <summary>The model folder in effect.</summary>
    public string ResolvedModelsPath => string.IsNullOrWhiteSpace(ModelsPath) ? Path.Combine(Home, "models") : ModelsPath;

    /// <summary>The default data directory, <c>~/.bytez</c>.</summary>
    public static string DefaultHome() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bytez");
}
