using System.Diagnostics;
namespace Narwhal.Chaos;

/// <summary>What the fault part of an experiment hands back: the storm it fired, when the fault struck, what it measured itself.</summary>
public sealed record FaultOutcome(StormResult Storm, DateTime? FaultAt, TimeSpan? TimeToFlag = null, IReadOnlyList<string>? Notes = null,
    Func<Task>? AfterRunsEnded = null)
{
    /// <summary>For the proxy cuts: how many connections were cut in the end (read after the runs ended).</summary>
    public Func<int>? CutsFired { get; init; }
}

/// <summary>
/// The frame of one experiment: a stack of its own with the jobs, the experiment's storm and fault,
/// the wait for every accepted run to end (bounded), the count from the database and the Docker
/// events, and the stack's removal (leftovers counted and removed). A failure of the frame itself
/// (a stack that does not start) is a row that says so, not a crash of the suite.
/// </summary>
public static class Trial
{
    /// <summary>How long runs may take to end after the storm and fault: generous for a loaded 2-core machine, bounded.</summary>
    private static TimeSpan WaitLimit(int runs) => TimeSpan.FromSeconds(90 + runs);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(45);

    /// <param name="runnerDies">The experiment kills a Runner: its runs may rightly end lost.</param>
    public static async Task<ExperimentRow> RunAsync(ChaosContext ctx, string name, string slug, StackPlan plan, IReadOnlyDictionary<string, int> onLostByJob,
        string[] script, Func<ChaosStack, Task<FaultOutcome>> fault, bool runnerDies = false)
    {
        var clock = Stopwatch.StartNew();
        ctx.Say($"{name}: starting…");
        ChaosStack? chaos = null;
        try
        {
            chaos = await ChaosStack.StartAsync(slug, plan, ctx.LogDir, ctx.Say, ctx.Ct);
            foreach (var (job, onLost) in onLostByJob) await chaos.PutJobAsync(job, onLost, script);
            var outcome = await fault(chaos);
            ctx.Say($"  {outcome.Storm.Accepted.Count} run(s) accepted; waiting for them to end…");
            var waitProblem = await Tally.WaitUntilEndedAsync(chaos, outcome.Storm.Accepted, WaitLimit(outcome.Storm.Accepted.Count), Stall, ctx.Ct);
            if (outcome.AfterRunsEnded is not null) await outcome.AfterRunsEnded();
            await Tally.SettleEventsAsync(chaos.Events, outcome.Storm.Accepted);
            var runs = await Tally.LoadAsync(chaos, outcome.Storm.Accepted, ctx.Ct);
            var notes = new List<string>(outcome.Notes ?? []);
            if (outcome.CutsFired is not null) notes.Insert(0, $"connections cut by the proxy: {outcome.CutsFired()}");
            var events = chaos.Events;
            await chaos.DisposeAsync();
            var stack = chaos;
            chaos = null;
            var row = Tally.Count(name, outcome.Storm, runs, events, onLostByJob, outcome.TimeToFlag, outcome.FaultAt, stack.Leftovers,
                waitProblem, notes, runnerDies);
            ctx.Say($"{name}: done in {clock.Elapsed.TotalSeconds:0} s; promise {(row.PromiseKept ? "kept" : $"BROKEN ({row.Violations.Count} violation(s))")}");
            return row;
        }
        catch (Exception ex) when (!ctx.Ct.IsCancellationRequested)
        {
            ctx.Say($"{name}: could not run: {ex.GetType().Name}: {ex.Message}");
            return ExperimentRow.Broken(name, $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
        }
        finally
        {
            if (chaos is not null) await chaos.DisposeAsync();
        }
    }

    /// <summary>Until <paramref name="count"/> containers of the stack have started (Docker events), bounded.</summary>
    public static async Task UntilStartsAsync(ChaosStack chaos, int count, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (chaos.Events.Counts("start").Values.Sum() < count)
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"only {chaos.Events.Counts("start").Values.Sum()} of {count} container start(s) within {timeout.TotalSeconds:0} s");
            await Task.Delay(20, ct);
        }
    }
}
