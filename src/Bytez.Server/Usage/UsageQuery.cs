namespace Bytez.Server.Usage;

/// <summary>Which usage rows to read: a range of UTC days (both ends included), and optionally one key and one model.</summary>
/// <param name="From">The first day.</param>
/// <param name="To">The last day.</param>
/// <param name="KeyId">Only this key's rows; <see langword="null"/> for every key.</param>
/// <param name="ModelId">Only this model's rows (case-insensitive); <see langword="null"/> for every model.</param>
public sealed record UsageQuery(DateOnly From, DateOnly To, string? KeyId = null, string? ModelId = null);
