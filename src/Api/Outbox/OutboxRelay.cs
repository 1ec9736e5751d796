using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;

namespace Narwhal.Api.Outbox;

/// <summary>
/// Publishes outbox rows that the request path left behind: a crash between commit and publish,
/// a broker outage, a returned (unroutable) message, a release from a concurrency hold that
/// <see cref="OutboxListener"/> missed. Safe with several Api replicas
/// (FOR UPDATE SKIP LOCKED in <see cref="OutboxStore.RelayAsync"/>).
/// </summary>
public sealed class OutboxRelay(OutboxStore outbox, RunPublisher publisher, ApiSettings settings, ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.OutboxRelayInterval);
        do
        {
            try
            {
                await RelayOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Postgres unreachable, say: try again next tick rather than dying.
                logger.LogError(ex, "Outbox relay pass failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <returns>How many messages were published in this pass.</returns>
    public async Task<int> RelayOnceAsync(CancellationToken ct)
    {
        var total = 0;
        int published;
        do
        {
            published = await outbox.RelayAsync(publisher.PublishAsync, settings.OutboxRelayMinAge, batchSize: 100,
                (message, ex) => logger.LogWarning(ex, "Outbox relay could not publish run {RunId} to {Queue}", message.RunId, message.Queue), ct);
            total += published;
        } while (published == 100);
        if (total > 0) logger.LogInformation("Outbox relay published {Count} message(s)", total);
        return total;
    }
}
