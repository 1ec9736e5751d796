using Narwhal.Contracts;
using Narwhal.Core.Messaging;

namespace Narwhal.Api.Runners;

/// <summary>
/// Broadcasts a drain request after it was recorded in Postgres. Best effort: a lost broadcast only
/// delays the drain until the Runner's next heartbeat tick, where it reads runners.drain_requested_at.
/// </summary>
public sealed class RunnerDrainNotifier(BrokerConnection broker, TimeProvider clock, ILogger<RunnerDrainNotifier> logger)
{
    public async Task NotifyAsync(string runnerId, string requestedBy, DateTimeOffset? requestedAt)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var connection = await broker.GetAsync(timeout.Token);
            await RunControl.PublishDrainAsync(connection, new DrainRunner
            {
                RunnerId = runnerId,
                RequestedBy = requestedBy,
                RequestedAt = requestedAt ?? clock.GetUtcNow(),
            }, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Broadcasting the drain of Runner {RunnerId} failed; it finds the request at its next heartbeat", runnerId);
        }
    }
}
