namespace Bytez.Hub;

/// <summary>
/// A hub call that failed transiently and will be tried again: reported just before the wait, so a job can show that
/// it is retrying, how often it has, and when the next attempt is due.
/// </summary>
/// <param name="Retry">Which retry comes next for this call (1 for the first).</param>
/// <param name="Delay">The wait before it.</param>
/// <param name="Reason">Why the last attempt failed, for the user.</param>
public readonly record struct HubRetry(int Retry, TimeSpan Delay, string Reason);
