namespace Bytez.Engine.Generation;

/// <summary>
/// How long a runtime's continuous batching holds its next batched step for the streams the previous step answered
/// (both the ONNX decoder's scheduler and llama.cpp's shared context): while they choose their next token (sampling a
/// large vocabulary, writing the piece), a step without them costs nearly what one with them costs and leaves them for
/// a second one, so they get as long as that step took, bounded below and by <see cref="Longest"/>.
/// </summary>
public static class StepRejoin
{
    /// <summary>The longest a step waits because the previous one took long.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(20);

    /// <summary>The wait: <paramref name="least"/>, or the previous step's time when longer, up to <see cref="Longest"/>.</summary>
    /// <param name="least">The least wait (the runtime's own setting or floor).</param>
    /// <param name="lastStep">How long the previous batched step took.</param>
    public static TimeSpan Wait(TimeSpan least, TimeSpan lastStep)
    {
        var capped = lastStep < Longest ? lastStep : Longest;
        return capped > least ? capped : least;
    }
}
