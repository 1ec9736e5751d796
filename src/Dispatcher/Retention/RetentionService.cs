using Narwhal.Core.Storage;

namespace Narwhal.Dispatcher.Retention;

/// <summary>
/// Deletes the stored logs, reports and artifacts of finished runs past retention (age, and a
/// per-job count), and marks those runs expired so the API answers 410 saying why; also prunes
/// published outbox rows and old GitHub delivery records. The run records themselves stay: history is never deleted.
/// </summary>
public sealed class RetentionService(RetentionStore retention, IObjectStore store, RetentionSettings settings, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Retention pass failed; retrying at the next one");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <returns>How many runs had their results deleted.</returns>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var expired = 0;
        IReadOnlyList<Guid> due;
        do
        {
            due = await retention.DueAsync(settings.MaxAge, settings.KeepPerJob, limit: 200, ct);
            foreach (var runId in due)
            {
                // Objects first, then the record: a crash in between leaves the run to be expired again, never a dangling "expired" with objects left.
                await store.DeletePrefixAsync($"runs/{runId}/", ct);
                await retention.MarkExpiredAsync(runId, ct);
                expired++;
            }
        } while (due.Count == 200);

        var pruned = await retention.PruneOutboxAsync(settings.OutboxAge, ct);
        var deliveries = await retention.PruneGithubDeliveriesAsync(settings.GithubDeliveryAge, ct);
        if (expired > 0 || pruned > 0 || deliveries > 0)
            logger.LogInformation("Retention: deleted the logs and results of {Runs} run(s); pruned {Outbox} outbox row(s) and {Deliveries} GitHub delivery record(s)",
                expired, pruned, deliveries);
        return expired;
    }
}
