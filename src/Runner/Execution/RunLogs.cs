using Narwhal.Core.Logs;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Fleet;

namespace Narwhal.Runner.Execution;

/// <summary>Makes the console log of one run: its spool, and the shipper that ships it live and stores it whole.</summary>
public sealed class RunLogs(LogChunkStore chunks, IObjectStore store, RunnerSettings settings, RunnerMetrics metrics, ILogger<LogShipper> logger)
{
    public LogSpool Spool(Guid runId) => new(settings.WorkDirectory, runId, settings.LogMaxBytes);

    public LogShipper Ship(LogSpool spool, ClaimedRun claimed) =>
        new(spool, chunks, store, claimed.Run.Id, claimed.AttemptId, settings, logger, metrics.LogBytesShipped);
}
