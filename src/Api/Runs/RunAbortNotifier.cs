using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

/// <summary>
/// Broadcasts an abort to the Runners after it was recorded in Postgres. Best effort: a lost
/// broadcast only delays the stop until the Runner's next check of the database.
/// </summary>
public sealed class RunAbortNotifier(BrokerConnection broker, TimeProvider clock, ILogger<RunAbortNotifier> logger)
{
    public async Task NotifyAsync(Run run)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var connection = await broker.GetAsync(timeout.Token);
            await RunControl.PublishAbortAsync(connection, new AbortRun
            {
                RunId = run.Id,
                RequestedBy = run.AbortRequestedBy ?? "unknown",
                RequestedAt = run.AbortRequestedAt ?? clock.GetUtcNow(),
            }, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Broadcasting the abort of run {RunId} failed; its Runner will find it in the database", run.Id);
        }
    }
}
