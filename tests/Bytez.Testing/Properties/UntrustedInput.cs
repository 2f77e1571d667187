namespace Bytez.Testing.Properties;

/// <summary>Assertions for parsers of untrusted input: only the documented failures, and bounded allocation.</summary>
public static class UntrustedInput
{
    /// <summary>
    /// Runs <paramref name="parse"/> and lets only the documented exception types through silently; any other
    /// exception fails, and so does allocating more than <paramref name="maxAllocatedBytes"/> on this thread.
    /// </summary>
    /// <returns>Whether the parse succeeded.</returns>
    public static bool Parse(Action parse, long maxAllocatedBytes, params Type[] documented)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(documented);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ok = true;
        try
        {
            parse();
        }
        catch (Exception e) when (documented.Any(t => t.IsInstanceOfType(e)))
        {
            ok = false;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > maxAllocatedBytes)
        {
            throw new InvalidOperationException($"The parser allocated {allocated:N0} bytes; the bound is {maxAllocatedBytes:N0}.");
        }

        return ok;
    }
}
