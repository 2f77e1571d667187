using Bytez.Engine.Metering;
using Bytez.Hub.Jobs;

namespace Bytez.Server.Usage;

/// <summary>Meters a model request for the caller: one download requested when the queue took it (queued, or joined an unfinished job).</summary>
public static class DownloadUsage
{
    /// <summary>Reports the request to the caller's <see cref="UsageScope"/> unless the model was already available.</summary>
    public static void Report(string modelId, ModelRequestOutcome outcome)
    {
        if (outcome is ModelRequestOutcome.Queued or ModelRequestOutcome.AlreadyQueued)
        {
            UsageScope.Report(new ModelUsage(modelId, DownloadRequests: 1));
        }
    }
}
