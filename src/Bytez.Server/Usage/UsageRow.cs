namespace Bytez.Server.Usage;

/// <summary>
/// The usage of one key on one model during one UTC day: the unit <see cref="IUsageStore"/> keeps and
/// <c>GET /models/v2/usage</c> answers. Never holds a key's secret: its id and name only.
/// </summary>
/// <param name="KeyId">The key's id (<c>key_…</c>, or <c>configured</c> for the server's own key).</param>
/// <param name="KeyName">The key's name when the usage was last recorded.</param>
/// <param name="ModelId">The model.</param>
/// <param name="Day">The UTC day.</param>
/// <param name="Requests">Runs served.</param>
/// <param name="InferenceSeconds">Seconds the model spent running them (what Bytez bills; queueing and loading left out).</param>
/// <param name="InputTokens">Tokens fed (generation prompts, embedded and ranked texts where counted).</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="DownloadRequests">Model requests (downloads from the hub) accepted.</param>
public sealed record UsageRow(
    string KeyId,
    string KeyName,
    string ModelId,
    DateOnly Day,
    long Requests,
    double InferenceSeconds,
    long InputTokens,
    long GeneratedTokens,
    long DownloadRequests);
