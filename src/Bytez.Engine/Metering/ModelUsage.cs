namespace Bytez.Engine.Metering;

/// <summary>
/// One report of usage on a model, as <see cref="UsageScope"/> carries it: any of its counts may be zero (a run reports
/// its request and inference time, a generated sequence its tokens, a model request its download).
/// </summary>
/// <param name="ModelId">The model the usage is on.</param>
/// <param name="Requests">Runs the engine served (0 or 1 per report).</param>
/// <param name="InferenceTime">Time the model spent on the run: from holding an instance to the run's end (queueing and loading left out).</param>
/// <param name="InputTokens">Tokens fed to the model (prompts of generated sequences, texts embedded or ranked), where they are counted.</param>
/// <param name="GeneratedTokens">Tokens the model generated.</param>
/// <param name="DownloadRequests">Model requests (downloads from the hub) accepted.</param>
public readonly record struct ModelUsage(
    string ModelId, int Requests = 0, TimeSpan InferenceTime = default, long InputTokens = 0, long GeneratedTokens = 0, int DownloadRequests = 0);
