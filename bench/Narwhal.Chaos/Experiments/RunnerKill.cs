using System.Diagnostics;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 1: <c>kill -9</c> of one Runner process of three during a trigger storm of short runs,
/// half of them of a job that opted into <c>retry.onLost: 1</c>. The Dispatcher must flag the killed
/// Runner's runs lost (or queue them again, for the opted-in job) within the offline timeout; the time
/// from the kill until none of its runs is still running is measured. Afterwards the Runner is started
/// again under the same id, so what its first life left in Docker is removed as it would be in production.
/// </summary>
public static class RunnerKill
{
    public const string Name = "1 runner kill -9";
    private const string Once = "kill-once";
    private const string Retried = "kill-retried";

    public static Task<ExperimentRow> RunAsync(ChaosContext ctx)
    {
        var options = ctx.Options;
        var plan = new StackPlan(Runners: 3, Slots: 2);
        var jobs = new Dictionary<string, int> { [Once] = 0, [Retried] = 1 };
        return Trial.RunAsync(ctx, Name, "kill", plan, jobs, ["sleep 1"], async chaos =>
        {
            var victim = chaos.Runners[0];
            var fire = Storm.FireAsync(chaos, [Once, Retried], options.Runs, inFlight: 6, ctx.Ct);
            // Mid-storm: once a sixth of the runs have started and the victim is executing some.
            await Trial.UntilStartsAsync(chaos, Math.Max(2, options.Runs / 6), TimeSpan.FromSeconds(90), ctx.Ct);
            await chaos.UntilRunningOnAsync(victim.RunnerId, ctx.Ct);
            var inFlight = await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct);
            await victim.KillAsync();
            var killedAt = DateTime.UtcNow;
            var sinceKill = Stopwatch.StartNew();
            ctx.Say($"  killed Runner {victim.RunnerId} (pid {victim.Pid}) with SIGKILL while it ran {inFlight} run(s)");
            var storm = await fire;
            // Flagged: none of the killed Runner's runs is still running on it (each ended lost or queued again).
            while (await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct) > 0)
            {
                if (sinceKill.Elapsed > TimeSpan.FromSeconds(90)) break;
                await Task.Delay(100, ctx.Ct);
            }
            var flagged = await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct) == 0 ? sinceKill.Elapsed : (TimeSpan?)null;
            var notes = new List<string>
            {
                $"SIGKILL of {victim.RunnerId} while it ran {inFlight} run(s); " +
                (flagged is { } f ? $"all flagged {f.TotalSeconds:0.0} s later (offline timeout {ChaosStack.OfflineTimeout.TotalSeconds:0} s)" : "NOT all flagged within 90 s"),
            };
            return new FaultOutcome(storm, killedAt, flagged ?? TimeSpan.FromSeconds(90), notes,
                AfterRunsEnded: async () =>
                {
                    // A Runner restarted under the same id removes its previous life's containers before it takes runs.
                    var left = await chaos.ContainersOfAsync(victim.RunnerId);
                    await chaos.RestartRunnerAsync(victim.RunnerId, plan.Slots);
                    notes.Add($"the killed Runner left {left} container(s); {await chaos.ContainersOfAsync(victim.RunnerId)} still there after its restart under the same id");
                });
        }, runnerDies: true);
    }
}
