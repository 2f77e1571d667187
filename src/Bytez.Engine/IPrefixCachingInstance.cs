namespace Bytez.Engine;

/// <summary>
/// An instance that keeps the key/value cache of prompt prefixes (a system prompt, the earlier turns of a chat) so that
/// a later prompt starting with the same tokens is fed only the rest; it tells the scheduler the memory that cache may
/// take and reports each reuse for metrics.
/// </summary>
public interface IPrefixCachingInstance : IModelInstance
{
    /// <summary>
    /// The most bytes the prefix cache may hold: it grows after the load, so the scheduler adds it to the memory it
    /// measured at load. 0 (the default) when prefix caching is off or keeps its state in memory allocated at load
    /// (llama.cpp's context cells).
    /// </summary>
    long PrefixCacheBudgetBytes => 0;

    /// <summary>The <c>runtime</c> label of the prefix cache's metrics (<c>onnx</c>, <c>llama.cpp</c>).</summary>
    string PrefixCacheRuntime => "llama.cpp";

    /// <summary>
    /// Called with the number of prompt tokens not fed each time a prompt starts from a cached prefix (for metrics);
    /// <see langword="null"/> for none. It should return quickly; exceptions it throws are ignored.
    /// </summary>
    Action<int>? PrefixReuseObserver { get; set; }
}
