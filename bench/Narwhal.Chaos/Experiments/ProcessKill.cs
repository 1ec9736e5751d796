using System.Diagnostics;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 6: <c>kill -9</c> of the Api and of the Dispatcher, each a process of its own here.
/// 6a: the Api dies mid-storm (runs answered 201 whose message may not be published yet) and is started
/// again on the same port; every run it accepted must still execute. 6b: the Dispatcher dies together
/// with a Runner, and comes back 3 s later; the new Dispatcher must still flag the dead Runner's runs.
/// </summary>
public static class ProcessKill
{
    public const string ApiName = "6a api kill -9";
    public const string DispatcherName = "6b dispatcher+runner kill -9";
    private static readonly TimeSpan DispatcherDown = TimeSpan.FromSeconds(3);

    public static async Task<IReadOnlyList<ExperimentRow>> RunAsync(ChaosContext ctx) => [await ApiAsync(ctx), await DispatcherAsync(ctx)];

    private static Task<ExperimentRow> ApiAsync(ChaosContext ctx)
    {
        var runs = Math.Max(6, ctx.Options.Runs / 2);
        return Trial.RunAsync(ctx, ApiName, "api", new StackPlan(Runners: 3, Slots: 2, ApiAsProcess: true),
            new Dictionary<string, int> { ["api-once"] = 0, ["api-retried"] = 1 }, ["sleep 1"], async chaos =>
            {
                var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var accepted = 0;
                var fire = Storm.FireAsync(chaos, ["api-once", "api-retried"], runs, inFlight: 6, ctx.Ct, _ =>
                {
                    if (Interlocked.Increment(ref accepted) == runs / 3) third.TrySetResult();
                    return Task.CompletedTask;
                });
                await third.Task.WaitAsync(TimeSpan.FromSeconds(90), ctx.Ct);
                await chaos.KillApiAsync();
                var killedAt = DateTime.UtcNow;
                var down = Stopwatch.StartNew();
                ctx.Say($"  killed the Api (SIGKILL) after {runs / 3} accepted trigger(s); starting it again on the same port");
                await chaos.RestartApiAsync();
                var notes = new List<string> { $"the Api was down {down.Elapsed.TotalSeconds:0.0} s (SIGKILL, then started again and ready)" };
                return new FaultOutcome(await fire, killedAt, Notes: notes);
            });
    }

    private static Task<ExperimentRow> DispatcherAsync(ChaosContext ctx)
    {
        var runs = Math.Max(6, ctx.Options.Runs / 2);
        var plan = new StackPlan(Runners: 3, Slots: 2, DispatcherAsProcess: true);
        return Trial.RunAsync(ctx, DispatcherName, "disp", plan,
            new Dictionary<string, int> { ["disp-once"] = 0, ["disp-retried"] = 1 }, ["sleep 1"], async chaos =>
            {
                var victim = chaos.Runners[0];
                var fire = Storm.FireAsync(chaos, ["disp-once", "disp-retried"], runs, inFlight: 6, ctx.Ct);
                await Trial.UntilStartsAsync(chaos, Math.Max(2, runs / 6), TimeSpan.FromSeconds(90), ctx.Ct);
                await chaos.UntilRunningOnAsync(victim.RunnerId, ctx.Ct);
                await Task.WhenAll(chaos.KillDispatcherAsync(), victim.KillAsync());
                var killedAt = DateTime.UtcNow;
                var sinceKill = Stopwatch.StartNew();
                ctx.Say($"  killed the Dispatcher and Runner {victim.RunnerId} (SIGKILL); the Dispatcher comes back in {DispatcherDown.TotalSeconds:0} s");
                // The time the Dispatcher stays away is the fault itself.
                await Task.Delay(DispatcherDown, ctx.Ct);
                var restart = Stopwatch.StartNew();
                await chaos.RestartDispatcherAsync();
                var startup = restart.Elapsed;
                var storm = await fire;
                while (await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct) > 0 && sinceKill.Elapsed < TimeSpan.FromSeconds(90))
                    await Task.Delay(100, ctx.Ct);
                var flagged = await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct) == 0 ? sinceKill.Elapsed : TimeSpan.FromSeconds(90);
                var notes = new List<string> { $"the Dispatcher was away {DispatcherDown.TotalSeconds:0} s + {startup.TotalSeconds:0.0} s to start again; the dead Runner's runs flagged {flagged.TotalSeconds:0.0} s after the kills" };
                return new FaultOutcome(storm, killedAt, flagged, notes, AfterRunsEnded: () => chaos.RestartRunnerAsync(victim.RunnerId, plan.Slots));
            }, runnerDies: true);
    }
}
