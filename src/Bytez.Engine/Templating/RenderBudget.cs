using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Bytez.Engine.Templating;

/// <summary>
/// What one render may still spend: steps, characters per value and in the output, nesting depth, time, and the
/// caller's cancellation. The render in progress on a thread is <see cref="Current"/>, so value helpers deep in
/// the engine (repr, JSON, equality) check the same budget without threading it through every signature;
/// a render never leaves its thread.
/// </summary>
internal sealed class RenderBudget
{
    private const int CheckEvery = 64;

    /// <summary>How many characters (or items) of new values cost one step.</summary>
    public const int CharsPerStep = 64;

    [ThreadStatic]
    private static RenderBudget? t_current;

    private static readonly TemplateLimits Unbounded = new() { MaxSteps = long.MaxValue, Timeout = TimeSpan.MaxValue };

    private readonly CancellationToken _cancellationToken;
    private readonly long _deadline;
    private readonly long _timeoutMs;
    private long _steps;
    private int _depth;

    public RenderBudget(TemplateLimits limits, CancellationToken cancellationToken)
    {
        MaxSteps = limits.MaxSteps;
        MaxChars = limits.MaxOutputChars;
        MaxDepth = limits.MaxDepth;
        _cancellationToken = cancellationToken;
        _timeoutMs = limits.Timeout == TimeSpan.MaxValue ? long.MaxValue : (long)limits.Timeout.TotalMilliseconds;
        _deadline = limits.Timeout >= TimeSpan.FromDays(1)
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)(limits.Timeout.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>The budget of the render on this thread; outside a render, one with the default size and depth limits and no step or time limit.</summary>
    public static RenderBudget Current => t_current ?? new(Unbounded, CancellationToken.None);

    public long MaxSteps { get; }

    public int MaxChars { get; }

    public int MaxDepth { get; }

    /// <summary>Makes this the thread's budget until the returned scope is disposed.</summary>
    public Scope Enter() => new(this);

    /// <summary>Counts one step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        if (++_steps % CheckEvery == 0 || _steps > MaxSteps)
        {
            Check();
        }
    }

    /// <summary>Counts <paramref name="steps"/> steps of bulk work (items walked, characters scanned).</summary>
    public void Charge(long steps)
    {
        _steps += Math.Max(0, steps);
        Check();
    }

    /// <summary>Fails unless a value (or output) of <paramref name="length"/> characters or items fits; call before allocating it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Size(long length)
    {
        if (length > MaxChars)
        {
            throw new TemplateException(TemplateLimit.OutputSize, MaxChars);
        }
    }

    /// <summary>
    /// Checks a new value of <paramref name="length"/> characters or items against the size limit and charges
    /// it to the step budget (a step per <see cref="CharsPerStep"/>), so the total a render allocates is bounded too.
    /// </summary>
    public void Allocate(long length)
    {
        Size(length);
        if (length >= CharsPerStep)
        {
            Charge(length / CharsPerStep);
        }
    }

    /// <summary>Checks and charges <paramref name="count"/> repetitions of <paramref name="length"/> characters or items, as <see cref="Allocate"/>.</summary>
    public void Size(long length, long count)
    {
        if (count > 0 && length > 0 && (length > MaxChars || count > MaxChars || length * count > MaxChars))
        {
            throw new TemplateException(TemplateLimit.OutputSize, MaxChars);
        }

        Allocate(length * count);
    }

    /// <summary>Enters one level of recursion (a macro call, a nested value); pair with <see cref="Leave"/>.</summary>
    public void Descend()
    {
        if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            _depth--;
            throw new TemplateException(TemplateLimit.Depth, MaxDepth);
        }
    }

    /// <summary>Leaves a level entered with <see cref="Descend"/>.</summary>
    public void Leave() => _depth--;

    private void Check()
    {
        if (_steps > MaxSteps)
        {
            throw new TemplateException(TemplateLimit.Steps, MaxSteps);
        }

        _cancellationToken.ThrowIfCancellationRequested();
        if (_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline)
        {
            throw new TemplateException(TemplateLimit.Time, _timeoutMs);
        }
    }

    /// <summary>The time a render on this thread uses <see cref="Current"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly RenderBudget? _previous;

        public Scope(RenderBudget budget)
        {
            _previous = t_current;
            t_current = budget;
        }

        public void Dispose() => t_current = _previous;
    }
}
