using Narwhal.Dispatcher.Fleet;

namespace Narwhal.Dispatcher.Pipelines;

/// <summary>
/// Every NARWHAL_FLEET_CHECK_SECONDS, as the fleet scan: approval gates past their timeout end <c>timed_out</c>
/// (<see cref="GateTimeoutStore"/>). Safe with several Dispatcher replicas: each end re-checks the gate under its
/// run's lock.
/// </summary>
public sealed class GateTimeoutSweep(GateTimeoutStore gates, FleetSettings settings, TimeProvider clock, ILogger<GateTimeoutSweep> logger)
    : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckInterval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Approval timeout sweep failed; retrying at the next one");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task SweepAsync(CancellationToken ct)
    {
        foreach (var gate in await gates.FindAsync(Batch, ct))
        {
            if (!await gates.EndAsync(gate, ct)) continue;
            logger.LogInformation("Step {Step} of run {RunId} ({Job} #{Number}) timed out waiting for approval ({Timeout} s)",
                gate.Key, gate.ParentRunId, gate.JobName, gate.Number, gate.TimeoutSeconds);
        }
    }
}
