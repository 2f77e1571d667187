namespace Bytez.Engine.Onnx;

/// <summary>
/// How an encoder-decoder instance sizes its ONNX Runtime threads: a budget of <see cref="Threads"/> threads (every
/// core by default) that the instance never exceeds. A lone request runs each step on a wide session that uses the
/// whole budget (<see cref="LoneThreads"/>); concurrent requests run theirs on shared sessions of
/// <see cref="SharedThreads"/> threads, at most <see cref="MaxConcurrentRuns"/> at a time, so that many streams never
/// start more threads than there are cores, and one stream alone is not held to one core.
/// </summary>
/// <remarks>
/// This is the sizing of servers that run one model for many clients: one session whose intra-op threads are the cores
/// when a single stream runs (onnxruntime-genai, a bare decoding loop at its best), and a bounded number of concurrent
/// runs of narrow sessions otherwise (a Triton instance group, our embedding pools), the product never above the cores.
/// The choice is made per run (an encoder run, a decoder step), which is possible because a step's state (the key/value
/// cache) lives in the request, not in the session.
/// </remarks>
/// <param name="Threads">The budget: the most intra-op threads the instance's runs use together.</param>
/// <param name="SharedThreads">Intra-op threads of the sessions concurrent requests run on.</param>
public sealed record OnnxThreadPlan(int Threads, int SharedThreads)
{
    /// <summary>Intra-op threads of the session a lone request runs on: the whole budget.</summary>
    public int LoneThreads => Threads;

    /// <summary>Whether a lone request gets sessions of its own, wider than the shared ones (not when the budget is one session's threads).</summary>
    public bool HasLoneSessions => LoneThreads > SharedThreads;

    /// <summary>The most runs on shared sessions at once: as many as fit in the budget, at least one.</summary>
    public int MaxConcurrentRuns => Math.Max(1, Threads / SharedThreads);

    /// <summary>
    /// The plan for a machine of <paramref name="cores"/> cores and <paramref name="options"/>: the budget is
    /// <see cref="OnnxRuntimeOptions.Seq2SeqThreads"/> or the cores, the shared sessions take
    /// <see cref="OnnxRuntimeOptions.IntraOpThreads"/> (at most the budget).
    /// </summary>
    public static OnnxThreadPlan For(int cores, OnnxRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var threads = options.Seq2SeqThreads ?? Math.Max(1, cores);
        return new OnnxThreadPlan(threads, Math.Clamp(options.IntraOpThreads, 1, threads));
    }

    /// <summary>The plan for this machine (<see cref="Environment.ProcessorCount"/>, which honours a container's CPU limit).</summary>
    public static OnnxThreadPlan ForThisMachine(OnnxRuntimeOptions options) => For(Environment.ProcessorCount, options);
}
