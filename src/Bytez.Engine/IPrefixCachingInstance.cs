namespace Bytez.Engine;

/// <summary>
/// An instance that keeps the key/value state of finished sequences and reuses it when a new prompt starts with the
/// same tokens (a system prompt, the earlier turns of a chat), so only the rest of the prompt is computed.
/// </summary>
public interface IPrefixCachingInstance : IModelInstance
{
    /// <summary>
    /// Called with the number of prompt tokens reused each time a sequence starts from a cached prefix (a cache hit),
    /// for metrics; <see langword="null"/> for none. Keep it cheap: it may run under the instance's locks.
    /// </summary>
    Action<int>? PrefixReuseObserver { get; set; }
}
