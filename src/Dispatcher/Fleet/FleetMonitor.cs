using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Dispatcher.Autoscale;
using Narwhal.Dispatcher.Metrics;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>
/// The Dispatcher's scan, every NARWHAL_FLEET_CHECK_SECONDS: silent Runners → offline; their
/// running runs → lost, or queued again when the job retries on loss; runs past the global maximum
/// duration → timed_out (and the Runner told to stop); then a fresh look at queues and Runners for
/// the gauges. Each action is logged and counted. Safe with several Dispatcher replicas: every
/// change is a conditional update or a locked, re-checked row (<see cref="LostRunStore"/>).
/// </summary>
public sealed class FleetMonitor(
    RunnerStore runners, LostRunStore lostRuns, OverdueRunStore overdueRuns, OutboxStore outbox, RunPublisher publisher,
    BrokerConnection broker, FleetObserver observer, HeartbeatHealth health, FleetSettings settings, DispatcherMetrics metrics,
    TimeProvider clock, ILogger<FleetMonitor> logger) : BackgroundService
{
    private const int Batch = 100;
    private string? _deafReason;
    private bool? _observing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckInterval, clock);
        do
        {
            try
            {
                await ScanAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Fleet scan failed; retrying at the next one");
            }

            try
            {
                await observer.ObserveAsync(stoppingToken);
                if (_observing is false) logger.LogInformation("Refreshing the fleet gauges works again");
                _observing = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Once per failure streak: a management API that is down would otherwise log at every tick.
                if (_observing is not false)
                    logger.LogWarning(ex, "Could not refresh the fleet gauges (queue depths, Runners, runs); they show the previous values until it works again");
                _observing = false;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass: silent Runners and lost runs (only while heartbeats are heard), then overdue runs.</summary>
    public async Task ScanAsync(CancellationToken ct)
    {
        if (health.HasHeardFor(settings.OfflineTimeout, out var why))
        {
            _deafReason = null;
            await MarkSilentRunnersAsync(ct);
            await ResolveLostRunsAsync(ct);
        }
        else if (why != _deafReason)
        {
            _deafReason = why;
            logger.LogInformation("Not judging silent Runners yet: {Reason}", why);
        }
        await EndOverdueRunsAsync(ct);
    }

    private async Task MarkSilentRunnersAsync(CancellationToken ct)
    {
        foreach (var runner in await runners.MarkSilentOfflineAsync(settings.OfflineTimeout, ct))
        {
            metrics.RunnerOffline();
            logger.LogWarning("Runner {RunnerId} on {Host} marked offline: silent since {LastSeenAt:O} (offline timeout {Timeout} s)",
                runner.Id, runner.Host, runner.LastSeenAt, settings.OfflineTimeout.TotalSeconds);
        }
    }

    private async Task ResolveLostRunsAsync(CancellationToken ct)
    {
        IReadOnlyList<LostRun> found;
        do
        {
            found = await lostRuns.FindAsync(settings.OfflineTimeout, Batch, ct);
            var acted = 0;
            foreach (var lost in found)
            {
                var outcome = await lostRuns.ResolveAsync(lost, settings.OfflineTimeout, ct);
                switch (outcome.Action)
                {
                    case LostRunAction.MarkedLost:
                        acted++;
                        metrics.RunLost(lost.ResourceClass);
                        logger.LogWarning("Run {RunId} ({Job} #{Number}) attempt {Attempt} on Runner {RunnerId} marked lost ({Cause}): {Reason}",
                            lost.RunId, lost.JobName, lost.Number, lost.Attempt, lost.RunnerId, lost.Cause, outcome.Reason);
                        break;
                    case LostRunAction.Requeued:
                        acted++;
                        metrics.RunRetried(lost.ResourceClass);
                        logger.LogWarning("Run {RunId} ({Job} #{Number}) attempt {Attempt} on Runner {RunnerId} lost ({Cause}); queued again, retry {Retry} of {RetriesAllowed}",
                            lost.RunId, lost.JobName, lost.Number, lost.Attempt, lost.RunnerId, lost.Cause, outcome.Retry, outcome.RetriesAllowed);
                        await PublishNowAsync(outcome.OutboxId!.Value, lost.RunId, ct);
                        break;
                }
            }
            // A full batch where nothing could be done (raced by a replica) would loop: stop and rescan at the next tick.
            if (acted == 0) break;
        } while (found.Count == Batch);
    }

    /// <summary>Right after commit, like the Api's trigger path; the outbox relay publishes it if this fails.</summary>
    private async Task PublishNowAsync(long outboxId, Guid runId, CancellationToken ct)
    {
        try
        {
            if (await outbox.GetUnpublishedAsync(outboxId, ct) is not { } message) return;
            await publisher.PublishAsync(message, ct);
            await outbox.MarkPublishedAsync(outboxId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Publishing the new attempt of run {RunId} failed; the outbox relay will publish it", runId);
        }
    }

    private async Task EndOverdueRunsAsync(CancellationToken ct)
    {
        foreach (var run in await overdueRuns.FindAsync(settings.OverdueAfter, Batch, ct))
        {
            var reason = $"Ran longer than the maximum of {settings.MaxRunDuration.TotalSeconds:0} s (NARWHAL_MAX_JOB_DURATION) since it started at "
                + $"{run.StartedAt:yyyy-MM-dd HH:mm:ss}Z; ended by the Dispatcher, its Runner {run.RunnerId} had not stopped it.";
            if (!await overdueRuns.EndAsync(run, reason, ct)) continue;
            metrics.RunTimedOut(run.ResourceClass);
            logger.LogWarning("Run {RunId} ({Job} #{Number}) on Runner {RunnerId} ended timed_out by the Dispatcher: running since {StartedAt:O}, maximum {Max} s",
                run.RunId, run.JobName, run.Number, run.RunnerId, run.StartedAt, settings.MaxRunDuration.TotalSeconds);
            await TellRunnerToStopAsync(run, ct);
        }
    }

    /// <summary>The Runner also finds its attempt superseded at its next database check; this makes the stop prompt.</summary>
    private async Task TellRunnerToStopAsync(OverdueRun run, CancellationToken ct)
    {
        try
        {
            var connection = await broker.GetAsync(ct);
            await RunControl.PublishAbortAsync(connection, new AbortRun
            {
                RunId = run.RunId, RequestedBy = "dispatcher (maximum duration)", RequestedAt = clock.GetUtcNow(),
            }, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not broadcast the stop of run {RunId}; its Runner finds the attempt ended at its next check", run.RunId);
        }
    }
}
