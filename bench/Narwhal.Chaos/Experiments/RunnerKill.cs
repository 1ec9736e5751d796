using System.Diagnostics;
using Dapper;
using Narwhal.Core.Runs;

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
            var fire = Storm.FireAsync(chaos.Stack, [Once, Retried], options.Runs, inFlight: 6, ctx.Ct);
            // Mid-storm: once a sixth of the runs have started and the victim is executing some.
            await Trial.UntilStartsAsync(chaos, Math.Max(2, options.Runs / 6), TimeSpan.FromSeconds(90), ctx.Ct);
            await UntilRunningOnAsync(chaos, victim.RunnerId, ctx.Ct);
            var inFlight = await RunningOnAsync(chaos, victim.RunnerId, ctx.Ct);
            await victim.KillAsync();
            var killedAt = DateTime.UtcNow;
            var sinceKill = Stopwatch.StartNew();
            ctx.Say($"  killed Runner {victim.RunnerId} (pid {victim.Pid}) with SIGKILL while it ran {inFlight} run(s)");
            var storm = await fire;
            // Flagged: none of the killed Runner's runs is still running on it (each ended lost or queued again).
            while (await RunningOnAsync(chaos, victim.RunnerId, ctx.Ct) > 0)
            {
                if (sinceKill.Elapsed > TimeSpan.FromSeconds(90)) break;
                await Task.Delay(100, ctx.Ct);
            }
            var flagged = await RunningOnAsync(chaos, victim.RunnerId, ctx.Ct) == 0 ? sinceKill.Elapsed : (TimeSpan?)null;
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
        });
    }

    private static async Task<int> RunningOnAsync(ChaosStack chaos, string runnerId, CancellationToken ct)
    {
        await using var connection = await chaos.Stack.Database.DataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM runs WHERE runner_id = @runnerId AND status = @running",
            new { runnerId, running = RunStatus.Running.Name() }, cancellationToken: ct));
    }

    private static async Task UntilRunningOnAsync(ChaosStack chaos, string runnerId, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (await RunningOnAsync(chaos, runnerId, ct) == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"Runner {runnerId} never ran anything within 60 s");
            await Task.Delay(50, ct);
        }
    }
}
