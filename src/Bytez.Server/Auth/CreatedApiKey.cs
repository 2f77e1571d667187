namespace Bytez.Server.Auth;

/// <summary>A key just created or rotated: its record and its secret, which is shown this once and never stored.</summary>
/// <param name="Record">The stored record.</param>
/// <param name="Key">The whole key, <c>bz_&lt;prefix&gt;_&lt;secret&gt;</c>.</param>
public sealed record CreatedApiKey(ApiKeyRecord Record, string Key);
