using static Narwhal.Bench.Report;

namespace Narwhal.Bench;

/// <summary>The pipeline phase in the plain-text report.</summary>
public static class PipelineReport
{
    private static string Once(OnceCheck c) =>
        $"{c.StepRows} step rows ({c.ExpectedSteps} expected), {Describe(c.StepsByStatus)}; {c.StartEvents} container start events: " +
        $"{c.StepsStartedTwice} step(s) started more than once, {c.StepsNeverStarted} never; {c.StepsClaimedMoreThanOnce} claimed more than once " +
        $"(attempt > 1), {c.StepsRetried} retried (step attempt > 1)";

    private static string Describe(IReadOnlyDictionary<string, int> counts) => counts.Count == 0 ? "none" : TerminalWait.Describe(counts);

    private static string Signed(double ms) => double.IsFinite(ms) ? ms.ToString("+0.0;-0.0") + " ms" : "-";

    private static string Target(PipelineResult r) =>
        r.Bare is null ? "(no bare figure)" : $"p50 {Signed(r.StartOverBareP50Ms)}, p99 {Signed(r.StartOverBareP99Ms)} over the bare figure: " +
                                              (r.TargetMet ? "met" : "NOT met");

    public static void Print(PipelineResult r)
    {
        Console.WriteLine($"  {r.Runners} Runner processes × {r.SlotsPerRunner} slots (`{r.RunnerCommand}`), all ready {Num(r.RunnersReadySeconds)} s after the start; " +
                          $"{r.WarmupPipelines} warm-up pipeline(s) before, not counted");
        Console.WriteLine($"  setup         {r.Setup}");
        Console.WriteLine($"  graph         start → p01..p{PipelinePhase.Width} (each needs start) → end (needs all {PipelinePhase.Width}); " +
                          "every step the script `true` (freestyle, busybox)");
        var s = r.Sequential;
        Console.WriteLine($"  one at a time {r.Pipelines} pipelines: {Describe(s.PipelinesByStatus)}; {Once(s)}");
        Console.WriteLine(Header("  ", "(a) a step's start once what it needs has ended"));
        foreach (var series in new[] { r.NeedEndToStart, r.ReadyToStart, r.NoWaitToStart, r.ReadyToClaim, r.ClaimToStart })
            Console.WriteLine(Row("  ", series.Name, series));
        if (r.Bare is { } bare) Console.WriteLine(Row("  ", bare.CreateToStartEvent.Name, bare.CreateToStartEvent));
        Console.WriteLine($"  Need ended = the need's runs.finished_at (for `end` the last of its {PipelinePhase.Width}); container start = the Docker start event of");
        Console.WriteLine("  the container labelled with the step and its pipeline run. The dependents' containers wait for a free slot too");
        Console.WriteLine($"  ({PipelinePhase.Width} steps on {r.Runners * r.SlotsPerRunner} slots), so the first row holds that wait; ready = the later of the need's end and the");
        Console.WriteLine("  end of the step that freed the slot it took (on its Runner, with S slots, the (S+k)-th claim takes the slot of the");
        Console.WriteLine("  k-th step to finish). Bare = DockerEngine create → start event, same image, Cmd and limits, between the pipelines.");
        Console.WriteLine($"  target        step ready → container start within {PipelineResult.TargetMs:0} ms of a bare create → start: {Target(r)}");
        Console.WriteLine(Header("  ", "(b) wall time against the bare critical path"));
        Console.WriteLine(Row("  ", r.Wall.Name, r.Wall));
        Console.WriteLine(Row("  ", r.TriggerToFirstStart.Name, r.TriggerToFirstStart));
        Console.WriteLine(Row("  ", r.StepClaimToFinished.Name, r.StepClaimToFinished));
        if (r.Bare is { } path)
        {
            Console.WriteLine(Row("  ", path.Wall.Name, path.Wall));
            Console.WriteLine(Row("  ", path.CreateToRemoved.Name, path.CreateToRemoved));
            Console.WriteLine($"  bare path     1 container, {path.Width} with {path.Concurrency} in flight, 1 container (create → start → wait → remove each), " +
                              $"one after each pipeline: {path.Paths - path.Failed} of {path.Paths} paths, {path.Warmup} warm-up");
            Console.WriteLine($"  ratio         pipeline p50 ÷ bare critical path p50 = {Num(r.WallRatio, "0.00")}");
        }
        else Console.WriteLine("  bare path     (not measured)");
        var b = r.Burst;
        Console.WriteLine($"  (c) burst     {b.Triggered} of {b.Requested} pipelines accepted in {Num(b.TriggerSeconds, "0.00")} s (all in flight at once)" +
                          $"{(b.TriggerFailed > 0 ? $"; {b.TriggerFailed} FAILED" : "")}");
        Console.WriteLine($"  outcome       {(b.Check.AllSucceeded && b.Triggered == b.Requested ? "all succeeded" : "NOT all succeeded")}: {Describe(b.Check.PipelinesByStatus)}" +
                          $"{(b.WaitStopped is null ? "" : $"; stopped waiting: {b.WaitStopped}")}");
        Console.WriteLine($"  executed once {(b.Check.ExactlyOnce ? "yes" : "NO")}: {Once(b.Check)}");
        Console.WriteLine($"  total         first trigger → last pipeline finished {Num(b.WallSeconds, "0.0")} s: {Num(b.StepsPerSecond, "0.00")} steps/s succeeded " +
                          $"(the poll saw all ended at {Num(b.ObservedSeconds, "0.0")} s)");
        Console.WriteLine(Row("  ", b.TriggerToFinished.Name, b.TriggerToFinished));
        Console.WriteLine($"  Runners       stopped with SIGTERM: {string.Join("; ", r.RunnerStops.Select(x => $"{x.RunnerId} exit {x.ExitCode?.ToString() ?? "-"} after {Num(x.Seconds)} s{(x.Killed ? " KILLED" : "")}"))}");
        Console.WriteLine($"                logs {string.Join(", ", r.RunnerStops.Select(x => $"{x.Log} ({x.Warnings} warnings, {x.Errors} errors)"))}");
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error    {error}");
        foreach (var problem in r.Problems) Console.WriteLine($"  problem  {problem}");
    }

    public static void PrintSummary(PipelineResult? r, BenchOptions options)
    {
        if (!options.Includes("pipelines")) return;
        Console.WriteLine($"Pipelines: start → {PipelinePhase.Width} parallel steps → end, {options.PipelineRunners} Runner processes × {options.PipelineSlots} slots, steps `true`");
        if (r is null)
        {
            Console.WriteLine("  (not measured)");
            return;
        }
        Console.WriteLine(Header("  "));
        Console.WriteLine(Row("  ", r.NeedEndToStart.Name, r.NeedEndToStart));
        Console.WriteLine(Row("  ", r.ReadyToStart.Name, r.ReadyToStart));
        if (r.Bare is { } bare) Console.WriteLine(Row("  ", bare.CreateToStartEvent.Name, bare.CreateToStartEvent));
        Console.WriteLine($"  {$"target: ready → start within {PipelineResult.TargetMs:0} ms of bare".PadRight(Label)} {Target(r)}");
        Console.WriteLine($"  {"pipeline wall ÷ bare critical path (p50)".PadRight(Label)} {Num(r.Wall.P50 / 1000, "0.00")} s ÷ " +
                          $"{Num((r.Bare?.Wall.P50 ?? double.NaN) / 1000, "0.00")} s = {Num(r.WallRatio, "0.00")}");
        var b = r.Burst;
        Console.WriteLine($"  {$"{b.Requested} at once: all succeeded / exactly once".PadRight(Label)} {(b.Check.AllSucceeded && b.Triggered == b.Requested ? "yes" : "NO")} / " +
                          $"{(b.Check.ExactlyOnce ? "yes" : "NO")} ({b.Check.StartEvents} starts for {b.Check.ExpectedSteps} steps); " +
                          $"{Num(b.WallSeconds, "0.0")} s, {Num(b.StepsPerSecond, "0.00")} steps/s");
    }
}
