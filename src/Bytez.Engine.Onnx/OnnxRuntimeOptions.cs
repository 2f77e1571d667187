namespace Bytez.Engine.Onnx;

/// <summary>
/// Options of the ONNX Runtime backend. The defaults are the fastest configuration measured for small embedding
/// models on CPU: one single-threaded session per core, fed in parallel, with batches of texts of similar length.
/// </summary>
public sealed class OnnxRuntimeOptions
{
    /// <summary>
    /// Sessions per loaded model; each runs one batch at a time, so this is how many batches run in parallel.
    /// <see langword="null"/> (the default) means one per processor core. With <see cref="ShareWeights"/> the sessions of
    /// a model share one copy of its weights.
    /// </summary>
    public int? Sessions { get; set; }

    /// <summary>
    /// Threads each session uses inside one operator (ONNX Runtime intra-op threads). Default 1. Applies to the sessions
    /// of encoder and embedding pools (see <see cref="Sessions"/>) and to the sessions an encoder-decoder instance runs
    /// concurrent requests on (see <see cref="Seq2SeqThreads"/>); an ONNX decoder's one session has its own
    /// (<see cref="Generation.OnnxDecoderOptions.Threads"/>).
    /// </summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// The threads one encoder-decoder instance (summarization, translation, speech and image to text) runs at once.
    /// While it serves one request, each of that request's runs uses sessions with this many intra-op threads; while
    /// it serves several, their runs use sessions of <see cref="IntraOpThreads"/> threads, at most
    /// <c>Seq2SeqThreads / IntraOpThreads</c> runs at a time, the others waiting their turn (see
    /// <see cref="OnnxThreadPlan"/>). <see langword="null"/> (the default) means one per processor core.
    /// </summary>
    public int? Seq2SeqThreads { get; set; }

    /// <summary>
    /// The most texts in one batch (default 8). Texts are sorted by token count and cut into batches padded only to
    /// their own longest text; with <see cref="DynamicBatching"/> a batch may hold texts of several concurrent calls.
    /// </summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>
    /// Merge the texts of concurrent embedding calls into shared batches (default <see langword="true"/>): many
    /// one-sentence requests then run as batches of similar-length sentences instead of one run each. Results equal
    /// those of unbatched runs up to float rounding (about 1e-6).
    /// </summary>
    public bool DynamicBatching { get; set; } = true;

    /// <summary>
    /// With <see cref="DynamicBatching"/>, the longest a queued text waits for more texts to fill a batch while a session
    /// is free (at most 1 s). The default, <see cref="TimeSpan.Zero"/>, takes whatever is queued at once when every
    /// session is free, so a lone request pays no wait (each millisecond of wait was measured to add a millisecond to
    /// one-client latency). While another session is busy (under load) a free one waits anyway, up to a tenth of a
    /// batch's mean run time, for its batch to fill, rather than run the first text that arrives alone. Waits are timed in
    /// whole milliseconds: a fraction of a millisecond rounds up.
    /// </summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.Zero;

    /// <summary>Apply every graph optimization ONNX Runtime has (level ALL, the default); <see langword="false"/> applies the basic ones only.</summary>
    public bool FullGraphOptimization { get; set; } = true;

    /// <summary>
    /// With more than one session, read an embedding model's weights once and give the same memory to all its sessions
    /// (default <see langword="true"/>); their pre-packed matrices are then shared as well, so an instance's memory does
    /// not grow with <see cref="Sessions"/> (measured on the embedded 90 MB models: about 1.8 × the weights at any
    /// session count, against 2.6 × at 2 sessions and 4.6 × at 4 without). <see langword="false"/>: each session reads
    /// the model file and keeps its own copy. Results are identical either way.
    /// </summary>
    public bool ShareWeights { get; set; } = true;

    /// <summary>Sessions to create after resolving <see langword="null"/>.</summary>
    public int EffectiveSessions => Sessions ?? Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// ONNX Runtime session options for these settings: sequential execution, the configured intra-op threads (no
    /// spinning thread pool when there is one thread: the session runs on the calling thread), the optimization level.
    /// The caller disposes them.
    /// </summary>
    public Microsoft.ML.OnnxRuntime.SessionOptions CreateSessionOptions() => CreateSessionOptions(IntraOpThreads);

    /// <summary>
    /// ONNX Runtime session options for these settings with <paramref name="intraOpThreads"/> intra-op threads instead
    /// of <see cref="IntraOpThreads"/> (the wide sessions of <see cref="OnnxThreadPlan"/>). The caller disposes them.
    /// </summary>
    public Microsoft.ML.OnnxRuntime.SessionOptions CreateSessionOptions(int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        var sessionOptions = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = FullGraphOptimization
                ? Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                : Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (intraOpThreads == 1)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        return sessionOptions;
    }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Sessions is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(Sessions), Sessions, "Sessions must be between 1 and 256.");
        }

        if (IntraOpThreads is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be between 1 and 256.");
        }

        if (Seq2SeqThreads is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(Seq2SeqThreads), Seq2SeqThreads, "Seq2SeqThreads must be between 1 and 256.");
        }

        if (MaxBatchSize is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be between 1 and 1024.");
        }

        if (MaxBatchWait < TimeSpan.Zero || MaxBatchWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchWait), MaxBatchWait, "MaxBatchWait must be between 0 and 1 second.");
        }
    }
}
