namespace Bytez.Server.Hosting;

/// <summary>
/// A reason the server cannot start, whose message is one line naming the cause and the fix; printed as is.
/// </summary>
public sealed class StartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StartupException()
    {
    }

    /// <summary>Creates the exception with its one-line message.</summary>
    public StartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the failure behind it.</summary>
    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
