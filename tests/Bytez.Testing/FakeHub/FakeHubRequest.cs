namespace Bytez.Testing.Hub;

/// <summary>One request the <see cref="FakeHub"/> answered.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request target as sent: path and query, still URL-escaped.</param>
/// <param name="Range">The <c>Range</c> header, if any.</param>
/// <param name="Authorization">The <c>Authorization</c> header, if any.</param>
/// <param name="Status">The status code answered (a cut connection still counts as the status it started with).</param>
public sealed record FakeHubRequest(string Method, string Path, string? Range, string? Authorization, int Status);
