namespace Bytez.Server.Hosting;

/// <summary>One setting of the server as <c>--help</c> lists it.</summary>
/// <param name="Name">The configuration key (<c>Bytez:Home</c>), or the command-line switch (<c>--urls</c>) when it has no key.</param>
/// <param name="Variable">The environment variable that sets it.</param>
/// <param name="Default">The default, as a person reads it; never a secret.</param>
/// <param name="Meaning">What it is for, in one line.</param>
public sealed record ServerOption(string Name, string Variable, string Default, string Meaning)
{
    /// <summary>How the option is written on the command line: <c>--Bytez:Home=&lt;value&gt;</c> or <c>--urls &lt;value&gt;</c>.</summary>
    public string CommandLine => Name.StartsWith("--", StringComparison.Ordinal) ? Name : "--" + Name;
}

/// <summary>
/// Every option of the server: the one table that <c>--help</c> prints and that a test holds equal to
/// docs/configuration.md. A setting added to an options class goes here and into the docs.
/// </summary>
public static class ServerOptionTable
{
    /// <summary>All options, in the order <c>--help</c> prints them.</summary>
    public static IReadOnlyList<ServerOption> All { get; } =
    [
        new("--urls", "ASPNETCORE_URLS", BytezServer.DefaultUrl, "where the server listens; several separated by ';' (port 0: one the OS picks)"),
        new("Bytez:Home", "BYTEZ_HOME", "~/.bytez", "the data directory: model store, key hash, measurements, job database"),
        new("Bytez:ModelsPath", Env("Bytez:ModelsPath"), "<Home>/models", "where models live, one folder per model id (org/name)"),
        new("Bytez:Key", "BYTEZ_KEY", "none: a key is generated at first start and printed once", "the API key the server accepts"),
        new("Bytez:Keys:Limits:ConcurrentRequests", Env("Bytez:Keys:Limits:ConcurrentRequests"), "0 (no limit)", "requests one issued key may have in progress at once; beyond, 429 (a key's own limits override it)"),
        new("Bytez:Keys:Limits:ConcurrentRequestsQueue", Env("Bytez:Keys:Limits:ConcurrentRequestsQueue"), "0 (none wait)", "requests of a key at its concurrency limit that wait for a slot instead of getting 429"),
        new("Bytez:Keys:Limits:RequestsPerMinute", Env("Bytez:Keys:Limits:RequestsPerMinute"), "0 (no limit)", "requests one issued key may make per minute (a fixed window from its first request); beyond, 429"),
        new("Bytez:Keys:Limits:GeneratedTokensPerDay", Env("Bytez:Keys:Limits:GeneratedTokensPerDay"), "0 (no limit)", "tokens one issued key's generations may produce per UTC day; beyond, 429 for generating tasks until UTC midnight"),
        new("Bytez:PublicUrl", Env("Bytez:PublicUrl"), "none: the scheme and host of each request", "the address clients reach the server at, for the URLs of files tasks produce (set it behind a reverse proxy)"),
        new("Bytez:EmbeddedModels", Env("Bytez:EmbeddedModels"), "true", "install the embedded default models into the model store at start"),
        new("Bytez:MaxRequestBodyBytes", Env("Bytez:MaxRequestBodyBytes"), "37748736 (36 MiB)", "the largest request body (room for Bytez:Media:MaxBytes as base64); larger ones get 413"),
        new("Bytez:ModelWatch:Events", Env("Bytez:ModelWatch:Events"), "true", "watch the models directory: folders copied in are served, removed ones dropped, within seconds"),
        new("Bytez:ModelWatch:Debounce", Env("Bytez:ModelWatch:Debounce"), "00:00:00.500", "quiet time after the last file change before the models directory is read again"),
        new("Bytez:ModelWatch:RescanInterval", Env("Bytez:ModelWatch:RescanInterval"), "00:00:30", "how often the models directory is read again anyway (file watchers miss events on some file systems); 0 turns it off"),
        new("Bytez:Onnx:Sessions", Env("Bytez:Onnx:Sessions"), "one per core", "ONNX Runtime sessions per loaded model"),
        new("Bytez:Onnx:IntraOpThreads", Env("Bytez:Onnx:IntraOpThreads"), "1", "threads each session uses inside one operator"),
        new("Bytez:Onnx:Seq2SeqThreads", Env("Bytez:Onnx:Seq2SeqThreads"), "one per core", "threads one encoder-decoder model runs at once: all of them for a lone request, IntraOpThreads per concurrent one"),
        new("Bytez:Onnx:MaxBatchSize", Env("Bytez:Onnx:MaxBatchSize"), "8", "the most texts in one embedding batch"),
        new("Bytez:Onnx:DynamicBatching", Env("Bytez:Onnx:DynamicBatching"), "true", "merge concurrent embedding requests into batched runs"),
        new("Bytez:Onnx:MaxBatchWait", Env("Bytez:Onnx:MaxBatchWait"), "00:00:00", "how long a free session waits for a batch to fill"),
        new("Bytez:Onnx:FullGraphOptimization", Env("Bytez:Onnx:FullGraphOptimization"), "true", "every ONNX Runtime graph optimization, or the basic ones only"),
        new("Bytez:Onnx:ShareWeights", Env("Bytez:Onnx:ShareWeights"), "true", "sessions of one embedding model share one copy of its weights"),
        new("Bytez:LlamaCpp:MaxContextLength", Env("Bytez:LlamaCpp:MaxContextLength"), "4096", "cap on a GGUF model's context per sequence"),
        new("Bytez:LlamaCpp:Threads", Env("Bytez:LlamaCpp:Threads"), "one per physical core", "threads llama.cpp uses for one decode"),
        new("Bytez:LlamaCpp:BatchSize", Env("Bytez:LlamaCpp:BatchSize"), "512", "most prompt tokens fed in one decode"),
        new("Bytez:LlamaCpp:SequencesPerContext", Env("Bytez:LlamaCpp:SequencesPerContext"), "8", "sequences sharing one llama.cpp context"),
        new("Bytez:LlamaCpp:ContinuousBatching", Env("Bytez:LlamaCpp:ContinuousBatching"), "true", "merge concurrent decode steps into one llama_decode"),
        new("Bytez:LlamaCpp:BatchWait", Env("Bytez:LlamaCpp:BatchWait"), "00:00:00.001", "the least a decode waits for other streams' steps (as long as the last decode took, up to 20 ms)"),
        new("Bytez:LlamaCpp:PreciseAttention", Env("Bytez:LlamaCpp:PreciseAttention"), "false", "f32 KV cache and no flash attention (twice the cache memory)"),
        new("Bytez:LlamaCpp:PrefixCache", Env("Bytez:LlamaCpp:PrefixCache"), "true", "reuse the KV cells of finished sequences for prompts that start with the same tokens"),
        new("Bytez:LlamaCpp:PrefixCacheMinTokens", Env("Bytez:LlamaCpp:PrefixCacheMinTokens"), "16", "fewest shared prompt tokens worth reusing"),
        new("Bytez:OnnxDecoder:Variant", Env("Bytez:OnnxDecoder:Variant"), "full precision", "which ONNX decoder weights to load: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4"),
        new("Bytez:OnnxDecoder:Threads", Env("Bytez:OnnxDecoder:Threads"), "one per physical core", "intra-op threads of an ONNX decoder's session"),
        new("Bytez:OnnxDecoder:ContinuousBatching", Env("Bytez:OnnxDecoder:ContinuousBatching"), "true", "merge concurrent decode steps of one ONNX decoder into one run"),
        new("Bytez:OnnxDecoder:MaxBatchSize", Env("Bytez:OnnxDecoder:MaxBatchSize"), "8", "most sequences in one batched step"),
        new("Bytez:OnnxDecoder:PrefixCache", Env("Bytez:OnnxDecoder:PrefixCache"), "true", "keep the key/value cache of prompt prefixes and reuse it for prompts that start with them"),
        new("Bytez:OnnxDecoder:PrefixCacheBytes", Env("Bytez:OnnxDecoder:PrefixCacheBytes"), "268435456", "most bytes of prefix cache per ONNX decoder instance (counted in its memory)"),
        new("Bytez:OnnxDecoder:PrefixCacheMinTokens", Env("Bytez:OnnxDecoder:PrefixCacheMinTokens"), "16", "fewest tokens a cached prefix must share with a prompt to be used"),
        new("Bytez:Scheduler:MemoryBudgetBytes", Env("Bytez:Scheduler:MemoryBudgetBytes"), "70 % of memory", "memory all loaded instances may take, in bytes"),
        new("Bytez:Scheduler:MemoryBudgetFraction", Env("Bytez:Scheduler:MemoryBudgetFraction"), "0.7", "the budget as a share of the machine's memory, when no byte count is set"),
        new("Bytez:Scheduler:ConcurrencyPerInstance", Env("Bytez:Scheduler:ConcurrencyPerInstance"), "16", "requests one instance serves at once"),
        new("Bytez:Scheduler:QueueLimit", Env("Bytez:Scheduler:QueueLimit"), "256", "requests that may wait per model; beyond, 429"),
        new("Bytez:Scheduler:DefaultTimeoutMinutes", Env("Bytez:Scheduler:DefaultTimeoutMinutes"), "10", "idle timeout of clusters created by a run"),
        new("Bytez:Scheduler:MaxInstancesPerModel", Env("Bytez:Scheduler:MaxInstancesPerModel"), "10", "upper bound of capacity.max"),
        new("Bytez:Scheduler:IdleSweepInterval", Env("Bytez:Scheduler:IdleSweepInterval"), "00:00:15", "how often idle instances are looked for"),
        new("Bytez:Scheduler:RetryAfter", Env("Bytez:Scheduler:RetryAfter"), "00:00:01", "the Retry-After of a 429"),
        new("Bytez:Scheduler:ReclaimMemoryAfterUnload", Env("Bytez:Scheduler:ReclaimMemoryAfterUnload"), "true", "after instances unload, give their memory back to the system at once (compacting collection, C heap trim)"),
        new("Bytez:Tokenizers:RegexTimeout", Env("Bytez:Tokenizers:RegexTimeout"), "00:00:01", "the longest one match of a tokenizer.json regular expression may take; beyond, 400"),
        new("Bytez:Templates:MaxSteps", Env("Bytez:Templates:MaxSteps"), "1000000", "steps one chat-template render may take; beyond, 400"),
        new("Bytez:Templates:MaxOutputChars", Env("Bytez:Templates:MaxOutputChars"), "1048576", "characters a chat-template render (or one value it builds) may hold beyond twice the conversation; beyond, 400"),
        new("Bytez:Templates:MaxDepth", Env("Bytez:Templates:MaxDepth"), "100", "nesting of a chat template's blocks, macro calls and values; beyond, 400"),
        new("Bytez:Templates:MaxSourceChars", Env("Bytez:Templates:MaxSourceChars"), "1048576", "the longest chat template accepted, in characters"),
        new("Bytez:Templates:Timeout", Env("Bytez:Templates:Timeout"), "00:00:05", "wall-clock time one chat-template render may take; beyond, 400"),
        new("Bytez:Requests:Deadline", Env("Bytez:Requests:Deadline"), "00:02:00", "how long one run may take, queue wait included; beyond, 504 (0: none)"),
        new("Bytez:Requests:MaxInputTokens", Env("Bytez:Requests:MaxInputTokens"), "32768", "the most input tokens of one request; more, 413"),
        new("Bytez:Requests:MaxItems", Env("Bytez:Requests:MaxItems"), "256", "the most texts, sentences or messages in one request; more, 413"),
        new("Bytez:Hub:Endpoint", "HF_ENDPOINT", "https://huggingface.co", "the Hugging Face-compatible hub model requests download from"),
        new("Bytez:Hub:Token", "HF_TOKEN", "none", "access token for gated and private repositories"),
        new("Bytez:Hub:CachePath", "HF_HUB_CACHE", "~/.cache/huggingface/hub ($HF_HOME/hub)", "the Hugging Face hub cache, shared with Python tools"),
        new("Bytez:Hub:DefaultRevision", Env("Bytez:Hub:DefaultRevision"), "main", "the revision fetched when a request names none"),
        new("Bytez:Hub:OnnxVariant", Env("Bytez:Hub:OnnxVariant"), "full precision", "which ONNX weights to download"),
        new("Bytez:Hub:FindConversions", Env("Bytez:Hub:FindConversions"), "true", "serve a repository with only safetensors/PyTorch weights through an ONNX or GGUF conversion found on the hub"),
        new("Bytez:Hub:GgufQuantization", Env("Bytez:Hub:GgufQuantization"), "Q4_K_M", "which GGUF quantization to download"),
        new("Bytez:Hub:MaxConcurrentJobs", Env("Bytez:Hub:MaxConcurrentJobs"), "2", "model requests that download at once"),
        new("Bytez:Hub:MaxFileBytes", Env("Bytez:Hub:MaxFileBytes"), "64 GiB", "the largest single file a request may download"),
        new("Bytez:Hub:MaxModelBytes", Env("Bytez:Hub:MaxModelBytes"), "128 GiB", "the most bytes one model may download"),
        new("Bytez:Hub:MinFreeDiskBytes", Env("Bytez:Hub:MinFreeDiskBytes"), "512 MiB", "free disk space that must remain after a download"),
        new("Bytez:Hub:MaxAttempts", Env("Bytez:Hub:MaxAttempts"), "6", "attempts per hub call on transient failures"),
        new("Bytez:Hub:RetryDelay", Env("Bytez:Hub:RetryDelay"), "00:00:01", "the first retry's wait, doubled each attempt"),
        new("Bytez:Hub:MaxRetryDelay", Env("Bytez:Hub:MaxRetryDelay"), "00:00:30", "the longest wait between retries"),
        new("Bytez:Hub:ReadTimeout", Env("Bytez:Hub:ReadTimeout"), "00:01:00", "a download that receives nothing for this long is retried"),
        new("Bytez:Hub:AllowPrivateWebhooks", Env("Bytez:Hub:AllowPrivateWebhooks"), "false", "turn the webhook address policy off: any address, this machine's included"),
        new("Bytez:Hub:WebhookAllowList", Env("Bytez:Hub:WebhookAllowList"), "none", "webhook hosts, CIDR blocks and addresses allowed although private or reserved (comma-separated)"),
        new("Bytez:Hub:WebhookTimeout", Env("Bytez:Hub:WebhookTimeout"), "00:00:10", "how long one webhook call may take"),
        new("Bytez:Media:MaxBytes", Env("Bytez:Media:MaxBytes"), "26214400 (25 MiB)", "the most encoded bytes of one request's media (a list's together), base64 or fetched; more, 413"),
        new("Bytez:Media:MaxPixels", Env("Bytez:Media:MaxPixels"), "40000000", "the most pixels (width x height) a decoded image may have; more, 413"),
        new("Bytez:Media:MaxAudioDuration", Env("Bytez:Media:MaxAudioDuration"), "01:00:00", "the longest decoded audio; longer, 413"),
        new("Bytez:Media:AllowPrivateUrls", Env("Bytez:Media:AllowPrivateUrls"), "false", "turn the media URL address policy off: any address, this machine's included"),
        new("Bytez:Media:UrlAllowList", Env("Bytez:Media:UrlAllowList"), "none", "media URL hosts, CIDR blocks and addresses allowed although private or reserved (comma-separated)"),
        new("Bytez:Media:FetchTimeout", Env("Bytez:Media:FetchTimeout"), "00:00:30", "how long fetching one media URL may take, redirects and body included; beyond, 504"),
        new("Bytez:Media:MaxRedirects", Env("Bytez:Media:MaxRedirects"), "5", "redirects followed for one media URL (0 to 20); more, 400"),
        new("Bytez:Media:FileLifetime", Env("Bytez:Media:FileLifetime"), "01:00:00", "how long a file a task produced (GET /files/...) stays downloadable; then 404"),
        new("Bytez:Media:MaxFileStoreBytes", Env("Bytez:Media:MaxFileStoreBytes"), "1073741824 (1 GiB)", "the most bytes all produced files may take on disk; the oldest are deleted first"),
        new("Bytez:Responses:Retention", Env("Bytez:Responses:Retention"), "30.00:00:00 (30 days)", "how long a stored Responses API response is kept after its conversation's last turn; then 404 and purged"),
        new("Bytez:Responses:MaxConversationResponses", Env("Bytez:Responses:MaxConversationResponses"), "1000", "the most earlier responses one previous_response_id may bring in; more, 400"),
        new("Bytez:Responses:MaxConversationBytes", Env("Bytez:Responses:MaxConversationBytes"), "16777216 (16 MiB)", "the most stored bytes one previous_response_id may bring in; more, 400"),
        new("Bytez:Providers:OpenAi:Key", Env("Bytez:Providers:OpenAi:Key"), "none: requests must send provider-key", "the server's own OpenAI key for closed-source runs without a provider-key header; never logged"),
        new("Bytez:Providers:OpenAi:BaseUrl", Env("Bytez:Providers:OpenAi:BaseUrl"), "https://api.openai.com/v1", "where OpenAI's API is reached"),
        new("Bytez:Providers:OpenAi:Models", Env("Bytez:Providers:OpenAi:Models") + "__0, __1, ...", "none", "OpenAI model names list/models shows (as openai/<name>, task chat) while the server has its own OpenAI key"),
        new("Bytez:Providers:Anthropic:Key", Env("Bytez:Providers:Anthropic:Key"), "none: requests must send provider-key", "the server's own Anthropic key for closed-source runs without a provider-key header; never logged"),
        new("Bytez:Providers:Anthropic:BaseUrl", Env("Bytez:Providers:Anthropic:BaseUrl"), "https://api.anthropic.com", "where Anthropic's API is reached"),
        new("Bytez:Providers:Anthropic:Models", Env("Bytez:Providers:Anthropic:Models") + "__0, __1, ...", "none", "Anthropic model names list/models shows (as anthropic/<name>, task chat) while the server has its own Anthropic key"),
        new("Bytez:Providers:Google:Key", Env("Bytez:Providers:Google:Key"), "none: requests must send provider-key", "the server's own Google key for closed-source runs without a provider-key header; never logged"),
        new("Bytez:Providers:Google:BaseUrl", Env("Bytez:Providers:Google:BaseUrl"), "https://generativelanguage.googleapis.com", "where Google's API is reached"),
        new("Bytez:Providers:Google:Models", Env("Bytez:Providers:Google:Models") + "__0, __1, ...", "none", "Google model names list/models shows (as google/<name>, task chat) while the server has its own Google key"),
        new("Bytez:Providers:Mistral:Key", Env("Bytez:Providers:Mistral:Key"), "none: requests must send provider-key", "the server's own Mistral key for closed-source runs without a provider-key header; never logged"),
        new("Bytez:Providers:Mistral:BaseUrl", Env("Bytez:Providers:Mistral:BaseUrl"), "https://api.mistral.ai/v1", "where Mistral's API is reached"),
        new("Bytez:Providers:Mistral:Models", Env("Bytez:Providers:Mistral:Models") + "__0, __1, ...", "none", "Mistral model names list/models shows (as mistral/<name>, task chat) while the server has its own Mistral key"),
        new("Bytez:Providers:Cohere:Key", Env("Bytez:Providers:Cohere:Key"), "none: requests must send provider-key", "the server's own Cohere key for closed-source runs without a provider-key header; never logged"),
        new("Bytez:Providers:Cohere:BaseUrl", Env("Bytez:Providers:Cohere:BaseUrl"), "https://api.cohere.com", "where Cohere's API is reached"),
        new("Bytez:Providers:Cohere:Models", Env("Bytez:Providers:Cohere:Models") + "__0, __1, ...", "none", "Cohere model names list/models shows (as cohere/<name>, task chat) while the server has its own Cohere key"),
        new("Bytez:Providers:Timeout", Env("Bytez:Providers:Timeout"), "00:05:00", "how long a provider may take to answer (a streamed answer: to start); beyond, 504"),
        new("Bytez:Providers:StreamIdleTimeout", Env("Bytez:Providers:StreamIdleTimeout"), "00:02:00", "how long a streamed provider answer may send nothing before it is cut off"),
        new("Bytez:Providers:ConnectTimeout", Env("Bytez:Providers:ConnectTimeout"), "00:00:10", "how long connecting to a provider may take; beyond, 502"),
        new("Bytez:Providers:MaxResponseBytes", Env("Bytez:Providers:MaxResponseBytes"), "33554432 (32 MiB)", "the most bytes of one provider answer (streamed: in all); more, 502"),
        new("Bytez:Metrics:Enabled", Env("Bytez:Metrics:Enabled"), "true", "collect metrics and serve them to Prometheus"),
        new("Bytez:Metrics:RequireKey", Env("Bytez:Metrics:RequireKey"), "false", "ask for the API key on the metrics endpoint"),
        new("Bytez:Metrics:Path", Env("Bytez:Metrics:Path"), "/metrics", "where Prometheus scrapes"),
        new("Bytez:Usage:FlushInterval", Env("Bytez:Usage:FlushInterval"), "00:00:02", "how often metered usage is written to <Home>/state/usage.db (also on shutdown and before each usage read)"),
        new("Bytez:Usage:MaxKeyLabels", Env("Bytez:Usage:MaxKeyLabels"), "50", "key names the Prometheus usage counters label; later keys count as 'other'"),
        new("Bytez:Metering:Tiers:<n>:MaxRamGb", Env("Bytez:Metering:Tiers:0:MaxRamGb"), "none", "a meter tier: models needing up to this many GB (first fitting tier wins)"),
        new("Bytez:Metering:Tiers:<n>:MaxParams", Env("Bytez:Metering:Tiers:0:MaxParams"), "none", "a meter tier: models of up to this many billion parameters"),
        new("Bytez:Metering:Tiers:<n>:Meter", Env("Bytez:Metering:Tiers:0:Meter"), "the hosted size class (micro, xs, sm, ..., -lm)", "the meter list/models shows for the tier's models"),
        new("Bytez:Metering:Tiers:<n>:MeterPrice", Env("Bytez:Metering:Tiers:0:MeterPrice"), "0", "USD per second of inference, shown as meterPrice \"<usd> / sec\" and used for usage cost estimates"),
        new("Logging:LogLevel:Default", Env("Logging:LogLevel:Default"), "Information", "log level (Debug shows the details of a failed start)"),
        new("Logging:LogLevel:Microsoft.AspNetCore", Env("Logging:LogLevel:Microsoft.AspNetCore"), "Warning", "ASP.NET Core's own logs; Information logs every request"),
        new("Logging:LogLevel:Bytez.Server.Errors", Env("Logging:LogLevel:Bytez.Server.Errors"), "(Default)", "failed requests, one line each: 4xx at Information, 502-504 at Warning, 500 at Error with the trace"),
    ];

    /// <summary>The option named <paramref name="name"/> (a configuration key, matched without regard to case), or <see langword="null"/>.</summary>
    public static ServerOption? Find(string name) =>
        All.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The environment variable ASP.NET Core reads for a configuration key: <c>Bytez:Home</c> → <c>Bytez__Home</c>.</summary>
    public static string Env(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace(":", "__", StringComparison.Ordinal);
    }
}
