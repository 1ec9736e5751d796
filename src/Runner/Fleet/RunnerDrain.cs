using Narwhal.Runner.Execution;
using Narwhal.Runner.Intake;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// Drain: take no more runs, report draining, let the running ones finish within
/// NARWHAL_RUNNER_SHUTDOWN_GRACE (then stop the rest, as at shutdown: they end lost, "runner
/// shutdown"), then stop the process. Requested by a DrainRunner message, by the database
/// (runners.drain_requested_at, checked at every heartbeat), or by SIGTERM (the host's own
/// shutdown path: the intake's StopAsync waits the same grace).
/// </summary>
public sealed class RunnerDrain(IntakeGate gate, RunSupervisor supervisor, RunnerSettings settings, IHostApplicationLifetime lifetime,
    ILogger<RunnerDrain> logger)
{
    public const string Condition = "drain";
    private int _requested;

    public bool Requested => Volatile.Read(ref _requested) == 1;

    /// <summary>Draining as the fleet sees it: a drain request, or the host stopping (SIGTERM).</summary>
    public bool IsDraining => Requested || lifetime.ApplicationStopping.IsCancellationRequested;

    /// <returns>False when a drain was already under way.</returns>
    public bool Request(string requestedBy, string via)
    {
        if (Interlocked.Exchange(ref _requested, 1) == 1) return false;
        logger.LogWarning("Draining (requested by {RequestedBy} via {Via}): taking no more runs; {Running} running run(s) get up to {Grace} s",
            requestedBy, via, supervisor.RunningCount, settings.ShutdownGrace.TotalSeconds);
        gate.Close(Condition, $"draining (requested by {requestedBy})");
        _ = Task.Run(FinishAsync);
        return true;
    }

    private async Task FinishAsync()
    {
        try
        {
            await supervisor.ShutdownAsync(settings.ShutdownGrace);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Waiting for running runs during the drain failed; stopping anyway");
        }
        logger.LogInformation("Drained: no run left; stopping the Runner");
        lifetime.StopApplication();
    }
}
