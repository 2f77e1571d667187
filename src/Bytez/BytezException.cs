using System.Net;

namespace Bytez;

/// <summary>
/// A failed Bytez call, thrown by <see cref="BytezResult{T}.EnsureSuccess"/> and by the streaming methods (a stream
/// has no <c>Error</c> slot). Carries the HTTP status code and the raw response body when there was a response.
/// </summary>
public class BytezException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public BytezException()
        : this("The Bytez call failed.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    public BytezException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and the exception that caused it.</summary>
    public BytezException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for an answer of the API.</summary>
    /// <param name="message">The error reported by the API.</param>
    /// <param name="statusCode">The HTTP status code, or <see langword="null"/> when no response arrived.</param>
    /// <param name="responseBody">The raw response body, or <see langword="null"/> when there was none.</param>
    /// <param name="innerException">The exception that caused it, if any.</param>
    public BytezException(string message, HttpStatusCode? statusCode, string? responseBody, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ResponseBody = responseBody;
    }

    /// <summary>The HTTP status code of the answer, or <see langword="null"/> when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The raw body of the answer, or <see langword="null"/> when there was none.</summary>
    public string? ResponseBody { get; }
}
