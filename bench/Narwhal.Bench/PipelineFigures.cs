using Narwhal.Core.Runs;
using static Narwhal.Bench.PipelinePhase;

namespace Narwhal.Bench;

/// <summary>What the pipeline phase collected, before it is turned into figures.</summary>
internal sealed record PipelineMeasurement(
    BenchOptions Options, List<(Guid Id, long T0UnixNs)> Sequential, long BurstT0UnixNs, TriggerThroughput.Fired BurstFired,
    TerminalWait.Outcome BurstWait, List<PipelineRow> Parents, List<StepRow> Steps, DockerEventStream Events, int WarmupPipelines);

/// <summary>The pipeline phase's figures and checks, from the stored rows and the Docker start events.</summary>
internal static class PipelineFigures
{
    private static readonly string Succeeded = RunStatus.Succeeded.Name();

    public static PipelineResult Compute(PipelineMeasurement m, double readySeconds, string command, IReadOnlyList<FleetRunnerStop> stops,
        List<string> problems)
    {
        var o = m.Options;
        var steps = m.Steps.ToLookup(s => s.ParentRunId);
        var starts = m.Events.Counts("start");
        var parents = m.Parents.ToDictionary(p => p.Id);
        var sequential = m.Sequential.Where(s => parents.ContainsKey(s.Id)).Select(s => (Row: parents[s.Id], s.T0UnixNs)).ToList();
        var sequentialCheck = Check(sequential.Select(s => s.Row).ToList(), steps, starts);

        var (needEnd, ready, noWait, readyToClaim, claimToStart, toFirst) = (new List<double>(), new List<double>(), new List<double>(),
            new List<double>(), new List<double>(), new List<double>());
        var (wall, claimToFinished) = (new List<double>(), new List<double>());
        foreach (var (parent, t0) in sequential.Where(s => s.Row.Status == Succeeded && s.Row.FinishedAt is not null))
        {
            wall.Add(WallClock.Ms(t0, WallClock.UnixNs(parent.FinishedAt!.Value)));
            if (m.Events.First(EventKey(parent.Id, Keys[0]), "start") is { } first) toFirst.Add(WallClock.Ms(t0, first.TimeNano));
            var current = steps[parent.Id].Where(s => !s.Superseded).ToDictionary(s => s.Key, StringComparer.Ordinal);
            // Per pipeline: each Runner had every slot free when it began (the one before had ended).
            var freed = SlotModel.FreedAt(current.Values, o.PipelineSlots, s => s.RunnerId, s => s.StartedAt, s => s.FinishedAt);
            claimToFinished.AddRange(current.Values.Where(s => s is { StartedAt: not null, FinishedAt: not null })
                .Select(s => (s.FinishedAt!.Value - s.StartedAt!.Value).TotalMilliseconds));
            foreach (var step in current.Values.Where(s => s.Needs.Length > 0 && s.StartedAt is not null))
            {
                var needs = step.Needs.Select(n => current.GetValueOrDefault(n)?.FinishedAt).ToList();
                if (needs.Any(n => n is null) || m.Events.First(EventKey(parent.Id, step.Key), "start") is not { } start) continue;
                var needsEnded = needs.Max()!.Value;
                needEnd.Add(WallClock.Ms(WallClock.UnixNs(needsEnded), start.TimeNano));
                claimToStart.Add(WallClock.Ms(WallClock.UnixNs(step.StartedAt!.Value), start.TimeNano));
                if (!freed.TryGetValue(step, out var slotFreed)) continue;
                // Ready: what it needs has ended and a slot is free for it (the later of the two).
                var readyAt = slotFreed is { } slot && slot > needsEnded ? slot : needsEnded;
                ready.Add(WallClock.Ms(WallClock.UnixNs(readyAt), start.TimeNano));
                readyToClaim.Add((step.StartedAt!.Value - readyAt).TotalMilliseconds);
                if (readyAt == needsEnded) noWait.Add(WallClock.Ms(WallClock.UnixNs(needsEnded), start.TimeNano));
            }
        }

        var burst = BurstFigures(m, steps, starts);
        problems.InsertRange(0, Checks("one at a time", sequentialCheck).Concat(BurstChecks(m, burst)));
        var errors = m.Steps.Where(s => s.Status != Succeeded).Take(5).Select(s => $"step {s.Key} of {s.ParentRunId} {s.Status}: {s.StatusReason}")
            .Concat(m.Parents.Where(p => p.Status != Succeeded).Take(5).Select(p => $"pipeline {p.Id} ({p.JobName}) {p.Status}: {p.StatusReason}"))
            .Concat(m.BurstFired.Errors.Select(e => $"trigger: {e}"))
            .ToList();

        return new PipelineResult(o.PipelineRunners, o.PipelineSlots, command, RunnerFleet.SetupNote(o.PipelineSlots, o.FleetCpuMax), readySeconds,
            m.WarmupPipelines, o.Pipelines, sequentialCheck,
            Series.Of("need ended → container start (every dependent step)", needEnd),
            Series.Of("step ready → container start", ready),
            Series.Of("  of which a slot was free when its need ended", noWait),
            Series.Of("step ready → claimed", readyToClaim),
            Series.Of("claimed → container start", claimToStart),
            Series.Of("trigger → first step's container start", toFirst),
            Series.Of("pipeline: trigger → finished", wall),
            Series.Of("step: claimed → finished (every step)", claimToFinished),
            burst, stops, errors, problems);
    }

    private static PipelineBurstResult BurstFigures(PipelineMeasurement m, ILookup<Guid, StepRow> steps, Dictionary<string, int> starts)
    {
        var o = m.Options;
        var rows = m.Parents.Where(IsBurst).ToList();
        var check = Check(rows, steps, starts);
        var last = rows.Where(p => p.FinishedAt is not null).Select(p => WallClock.UnixNs(p.FinishedAt!.Value)).DefaultIfEmpty(0).Max();
        var wall = last > 0 ? (last - m.BurstT0UnixNs) / 1e9 : double.NaN;
        var observed = m.BurstWait.AllTerminalUnixNs is { } all ? (all - m.BurstT0UnixNs) / 1e9 : double.NaN;
        var stepsSucceeded = check.StepsByStatus.GetValueOrDefault(Succeeded);
        return new PipelineBurstResult(o.PipelineBurst, o.PipelineBurst - m.BurstFired.Failed, m.BurstFired.Failed, m.BurstFired.Elapsed.TotalSeconds,
            m.BurstWait.StoppedBecause, check, wall, observed, stepsSucceeded / wall,
            Series.Of("pipeline: created → finished", rows.Where(p => p.FinishedAt is not null).Select(p => (p.FinishedAt!.Value - p.CreatedAt).TotalMilliseconds)));
    }

    /// <summary>Every expected step (pipeline × key) against its container start events and its rows.</summary>
    private static OnceCheck Check(List<PipelineRow> pipelines, ILookup<Guid, StepRow> steps, Dictionary<string, int> starts)
    {
        var rows = pipelines.SelectMany(p => steps[p.Id]).ToList();
        var perStep = pipelines.SelectMany(p => Keys.Select(k => starts.GetValueOrDefault(EventKey(p.Id, k)))).ToList();
        return new OnceCheck(pipelines.Count, ByStatus(pipelines.Select(p => p.Status)), pipelines.Count(p => p.Status == Succeeded),
            pipelines.Count * Keys.Count, rows.Count, ByStatus(rows.Select(r => r.Status)), perStep.Sum(),
            perStep.Count(n => n > 1), perStep.Count(n => n == 0), rows.Count(r => r.Attempt > 1), rows.Count(r => r.StepAttempt > 1 || r.Superseded));
    }

    private static Dictionary<string, int> ByStatus(IEnumerable<string> statuses) =>
        statuses.GroupBy(s => s).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static IEnumerable<string> Checks(string what, OnceCheck c)
    {
        if (c.PipelinesSucceeded != c.Pipelines) yield return $"{what}: {c.Pipelines - c.PipelinesSucceeded} of {c.Pipelines} pipelines did not succeed ({TerminalWait.Describe(c.PipelinesByStatus)})";
        if (c.StepRows != c.ExpectedSteps) yield return $"{what}: {c.StepRows} step rows stored, {c.ExpectedSteps} expected ({Keys.Count} per pipeline)";
        if (c.StepsStartedTwice > 0) yield return $"{what}: EXECUTED TWICE: {c.StepsStartedTwice} step(s) whose container started more than once";
        if (c.StepsNeverStarted > 0) yield return $"{what}: {c.StepsNeverStarted} step(s) without any container start event";
        if (c.StepsClaimedMoreThanOnce > 0) yield return $"{what}: {c.StepsClaimedMoreThanOnce} step row(s) claimed more than once (runs.attempt > 1)";
        if (c.StepsRetried > 0) yield return $"{what}: {c.StepsRetried} step row(s) of a second step attempt (run_steps.step_attempt > 1 or superseded)";
    }

    private static IEnumerable<string> BurstChecks(PipelineMeasurement m, PipelineBurstResult b)
    {
        if (b.TriggerFailed > 0) yield return $"burst: {b.TriggerFailed} of {b.Requested} triggers failed; first: {m.BurstFired.Errors.FirstOrDefault()}";
        if (b.Check.Pipelines != b.Triggered) yield return $"burst: {b.Check.Pipelines} pipelines stored, but {b.Triggered} triggers were accepted";
        foreach (var problem in Checks("burst", b.Check)) yield return problem;
    }
}
