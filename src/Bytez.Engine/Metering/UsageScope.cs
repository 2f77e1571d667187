namespace Bytez.Engine.Metering;

/// <summary>
/// Who pays for the work done now: the host opens a scope per caller request (<see cref="Begin"/>) with a sink that
/// attributes what it hears to the caller, and the engine reports into <see cref="Current"/> what it measures at its
/// front door (each run and the time the model ran it) and where tokens are counted (prompt and generated tokens).
/// The scope flows with the caller's async context (an <see cref="AsyncLocal{T}"/>), so code outside a request sees
/// none and reports nothing; once <see cref="End"/> is called, reports that arrive late (from work the request left
/// running) are dropped rather than given to the wrong caller.
/// </summary>
public sealed class UsageScope : IDisposable
{
    private static readonly AsyncLocal<UsageScope?> Ambient = new();

    private readonly Action<ModelUsage> _sink;
    private volatile bool _ended;

    private UsageScope(Action<ModelUsage> sink) => _sink = sink;

    /// <summary>The scope of the current caller, or <see langword="null"/> outside one.</summary>
    public static UsageScope? Current => Ambient.Value;

    /// <summary>
    /// Why generation is refused for this caller (a spent token budget), or <see langword="null"/>: the engine throws it
    /// before starting a run of a task that generates text (<see cref="ThrowIfGenerationRefused"/>).
    /// </summary>
    public EngineException? GenerationRefusal { get; set; }

    /// <summary>
    /// Opens a scope for the rest of the calling async flow; <paramref name="sink"/> receives every report (it must be
    /// fast and thread-safe: reports come from the request's own work, sometimes from several sequences at once).
    /// </summary>
    public static UsageScope Begin(Action<ModelUsage> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var scope = new UsageScope(sink);
        Ambient.Value = scope;
        return scope;
    }

    /// <summary>Reports usage to the current scope, if any.</summary>
    public static void Report(in ModelUsage usage)
    {
        if (Ambient.Value is { _ended: false } scope && usage.ModelId is { Length: > 0 })
        {
            scope._sink(usage);
        }
    }

    /// <summary>Throws <see cref="GenerationRefusal"/> of the current scope, if one is set.</summary>
    /// <exception cref="EngineException">Generation is refused for this caller.</exception>
    public static void ThrowIfGenerationRefused()
    {
        if (Ambient.Value is { GenerationRefusal: { } refusal })
        {
            throw refusal;
        }
    }

    /// <summary>Stops accepting reports: later ones are dropped.</summary>
    public void End() => _ended = true;

    /// <summary>Same as <see cref="End"/>.</summary>
    public void Dispose() => End();
}
