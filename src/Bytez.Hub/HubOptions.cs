using Bytez.Hub.Net;

namespace Bytez.Hub;

/// <summary>
/// Settings of the hub client and the model request queue (configuration section <c>Bytez:Hub</c>), with the
/// Hugging Face environment variables <c>HF_ENDPOINT</c>, <c>HF_TOKEN</c>, <c>HF_HOME</c> and <c>HF_HUB_CACHE</c> as
/// fallbacks. Every option is listed in docs/configuration.md.
/// </summary>
public sealed class HubOptions
{
    /// <summary>The hub's base address; default <c>https://huggingface.co</c> (or <c>HF_ENDPOINT</c>).</summary>
    public string Endpoint { get; set; } = "https://huggingface.co";

    /// <summary>The access token sent as <c>Authorization: Bearer</c> for gated and private repositories (or <c>HF_TOKEN</c>).</summary>
    public string? Token { get; set; }

    /// <summary>
    /// The Hugging Face hub cache: <c>models--org--name/{blobs,snapshots,refs}</c> under it. Default
    /// <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public string? CachePath { get; set; }

    /// <summary>The revision (branch, tag or commit) requested when a request names none; default <c>main</c>.</summary>
    public string DefaultRevision { get; set; } = "main";

    /// <summary>
    /// Which ONNX weights to download, by the transformers.js <c>dtype</c> names: <see langword="null"/> (default) full
    /// precision (<c>model.onnx</c>), or <c>fp16</c>, <c>q8</c>/<c>quantized</c>, <c>int8</c>, <c>uint8</c>, <c>q4</c>,
    /// <c>q4f16</c>, <c>bnb4</c>. When the repository lacks the variant asked for, the job fails naming the ones it has.
    /// </summary>
    public string? OnnxVariant { get; set; }

    /// <summary>
    /// Whether a request for a repository that holds only weights this server cannot run (safetensors, PyTorch) looks
    /// for a conversion on the hub (ONNX in <c>Xenova/</c>, <c>onnx-community/</c>, <c>optimum/</c> or tagged with the
    /// repository as its base model; GGUF in <c>-GGUF</c> repositories) and serves it under the id asked for; default true.
    /// </summary>
    public bool FindConversions { get; set; } = true;

    /// <summary>Which GGUF quantization to download when a repository has several (matched in file names); default <c>Q4_K_M</c>.</summary>
    public string GgufQuantization { get; set; } = "Q4_K_M";

    /// <summary>Jobs that download at the same time; default 2.</summary>
    public int MaxConcurrentJobs { get; set; } = 2;

    /// <summary>The largest single file a job may download, in bytes; default 64 GiB.</summary>
    public long MaxFileBytes { get; set; } = 64L << 30;

    /// <summary>The most bytes one model may download in all, in bytes; default 128 GiB.</summary>
    public long MaxModelBytes { get; set; } = 128L << 30;

    /// <summary>Free disk space kept beyond a model's size; a download that would leave less fails before it starts. Default 512 MiB.</summary>
    public long MinFreeDiskBytes { get; set; } = 512L << 20;

    /// <summary>Attempts per HTTP call on transient failures (connection errors, cut bodies, 408, 429, 5xx); default 6.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the first retry; doubled each attempt (with jitter) up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries; default 30 s. A <c>Retry-After</c> from the hub is honoured up to this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a hub response may go without sending a byte before the attempt counts as failed; default 60 s.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether webhook URLs may point anywhere, loopback, private, reserved and this machine's own addresses included
    /// (the address policy is off); default false. <see cref="WebhookAllowList"/> opens narrower exceptions.
    /// </summary>
    public bool AllowPrivateWebhooks { get; set; }

    /// <summary>
    /// Webhook targets allowed even though private or reserved, separated by commas: host names (every address they
    /// resolve to), CIDR blocks (<c>10.1.0.0/16</c>, not this machine's own addresses) and single addresses. Default none.
    /// </summary>
    public string? WebhookAllowList { get; set; }

    /// <summary>How long a webhook call may take; default 10 s. A failed call is retried twice, then logged.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The cache directory in effect (see <see cref="CachePath"/>).</summary>
    public string ResolvedCachePath =>
        !string.IsNullOrWhiteSpace(CachePath) ? Path.GetFullPath(CachePath)
        : Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } hubCache ? Path.GetFullPath(hubCache)
        : Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } home ? Path.Combine(Path.GetFullPath(home), "hub")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">An option is out of range or not a valid address.</exception>
    public void Validate()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Hub endpoint '{Endpoint}' is not an http(s) URL.", nameof(Endpoint));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(DefaultRevision, nameof(DefaultRevision));
        ArgumentException.ThrowIfNullOrWhiteSpace(GgufQuantization, nameof(GgufQuantization));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentJobs, 1, nameof(MaxConcurrentJobs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFileBytes, 1, nameof(MaxFileBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxModelBytes, 1, nameof(MaxModelBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MinFreeDiskBytes, nameof(MinFreeDiskBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(RetryDelay.Ticks, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadTimeout, TimeSpan.Zero, nameof(ReadTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(WebhookTimeout, TimeSpan.Zero, nameof(WebhookTimeout));
        _ = WebhookPolicy();
    }

    /// <summary>The outbound address policy of webhooks these options describe.</summary>
    /// <exception cref="ArgumentException">An entry of <see cref="WebhookAllowList"/> is not a host, address or CIDR block.</exception>
    public OutboundAddressPolicy WebhookPolicy() => new(AllowPrivateWebhooks, OutboundAddressPolicy.SplitList(WebhookAllowList));
}
