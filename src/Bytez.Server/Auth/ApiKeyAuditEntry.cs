namespace Bytez.Server.Auth;

/// <summary>One row of the key store's audit log: who did what to which key, and when.</summary>
/// <param name="Sequence">The row's number, increasing.</param>
/// <param name="At">When it happened.</param>
/// <param name="Action">What was done: <c>create</c>, <c>list</c>, <c>revoke</c> or <c>rotate</c>.</param>
/// <param name="KeyId">The key acted on; <see langword="null"/> for a list.</param>
/// <param name="Actor">Who did it: the name of the admin key used (<c>configured</c> for the server's own key).</param>
/// <param name="Detail">What changed (the new prefix, the scopes), never a secret.</param>
public sealed record ApiKeyAuditEntry(long Sequence, DateTimeOffset At, string Action, string? KeyId, string Actor, string Detail);
