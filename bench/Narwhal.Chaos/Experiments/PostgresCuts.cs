using Narwhal.Testing.Faults;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 3: the connection between a Runner and Postgres cut at a chosen point of the run's two
/// writes that matter — the claim (queued → running, a new attempt) and the final write (the outcome):
/// before the request reaches the server (the write is not done), or after the server answered it (the
/// write is done, the Runner never hears of it). Only the Runners go through the proxy; each cut fires
/// a few times during a storm of short runs.
/// </summary>
public static class PostgresCuts
{
    /// <summary>
    /// The SQL the cuts look for, as fragments that each statement alone holds (see RunAttemptStore):
    /// the claim is the only Runner statement that returns how long the run waited (started_at −
    /// queued_at), the final write the only one that sets finished_at. Fragments rather than the whole text, so a rewording of the rest does not
    /// silently disarm the experiment (an unfired cut is reported).
    /// </summary>
    private static readonly string[] Claim = ["UPDATE runs", "started_at - queued_at"];
    private static readonly string[] FinalWrite = ["UPDATE runs", "finished_at = now()"];
    /// <summary>
    /// The answer's command tag, whatever its row count. Not "UPDATE 1": a Runner that retries a claim
    /// or final write the server already did gets "UPDATE 0", and a cut waiting for "UPDATE 1" would
    /// swallow that answer until the Runner's command timeout instead of cutting it.
    /// </summary>
    private const string Done = "UPDATE ";
    private const int Cuts = 3;

    public static async Task<IReadOnlyList<ExperimentRow>> RunAsync(ChaosContext ctx) =>
    [
        await CutAsync(ctx, "3a cut claim request", "cut-claim-req", p => p.CutRequest(Claim, Cuts)),
        await CutAsync(ctx, "3b cut claim reply", "cut-claim-rep", p => p.CutReplyTo(Claim, Done, Cuts)),
        await CutAsync(ctx, "3c cut final request", "cut-final-req", p => p.CutRequest(FinalWrite, Cuts)),
        await CutAsync(ctx, "3d cut final reply", "cut-final-rep", p => p.CutReplyTo(FinalWrite, Done, Cuts)),
    ];

    private static Task<ExperimentRow> CutAsync(ChaosContext ctx, string name, string slug, Func<TcpFaultProxy, Task> arm)
    {
        var once = $"{slug}-once";
        var retried = $"{slug}-retried";
        var runs = Math.Max(4, ctx.Options.Runs / 4);
        return Trial.RunAsync(ctx, name, slug, new StackPlan(Runners: 2, Slots: 2, Postgres: PostgresRoute.RunnersThroughProxy),
            new Dictionary<string, int> { [once] = 0, [retried] = 1 }, ["sleep 1"], async chaos =>
            {
                var proxy = chaos.Postgres!;
                var fired = arm(proxy);
                var storm = await Storm.FireAsync(chaos, [once, retried], runs, inFlight: 4, ctx.Ct);
                // When each cut struck is not known here: no time to flag.
                return new FaultOutcome(storm, FaultAt: null, Notes: [], AfterRunsEnded: () =>
                {
                    if (!fired.IsCompleted) ctx.Say($"  warning: the cut fired fewer than {Cuts} times (the SQL text changed?)");
                    return Task.CompletedTask;
                })
                { CutsFired = () => proxy.Cuts };
            });
    }
}
