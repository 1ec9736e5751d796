using Narwhal.Core.Runs;

namespace Narwhal.Bench;

/// <summary>One run of the fleet burst as stored (times from Postgres's clock).</summary>
public sealed class FleetRun
{
    public Guid Id { get; set; }
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    public string? RunnerId { get; set; }
    public int Attempt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime QueuedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

public sealed record FleetResult(
    int Runs, int Runners, int SlotsPerRunner, int TriggerConcurrency, int WarmupRuns, string RunnerCommand, string Setup, double RunnersReadySeconds,
    int Triggered, int TriggerFailed, double TriggerSeconds, double TriggersPerSecond, Series TriggerLatency,
    IReadOnlyDictionary<string, int> ByStatus, int Succeeded, string? WaitStopped,
    int StartEvents, int RunsStartedTwice, int RunsNeverStarted, int RunsClaimedMoreThanOnce,
    double TotalSeconds, double ObservedSeconds, double RunsPerSecond,
    string PickupFrom, Series Pickup, Series SlotRefill, Series ClaimToContainerStart, Series TriggerToTerminal,
    IReadOnlyDictionary<string, int> ByRunner, IReadOnlyList<FleetRunnerStop> RunnerStops,
    IReadOnlyList<string> FirstErrors, IReadOnlyList<string> Problems)
{
    public IReadOnlyList<string> LeftoversRemoved { get; init; } = [];

    /// <summary>The same number of bare containers, as many in flight as the fleet has slots (null: not measured).</summary>
    public ConcurrentEngineBaselineResult? Bare { get; init; }

    /// <summary>The load average (1/5/15 min) when each half ended: the ratio is only as good as these are alike.</summary>
    public string LoadAfterNarwhal { get; init; } = "";
    public string LoadAfterBare { get; init; } = "";

    /// <summary>Narwhal runs/s ÷ bare containers/s.</summary>
    public double BareRatio => Bare is { ContainersPerSecond: > 0 } bare ? RunsPerSecond / bare.ContainersPerSecond : double.NaN;

    public FleetResult WithProblem(string problem) => this with { Problems = [.. Problems, problem] };
}

/// <summary>What the fleet phase collected, before it is turned into figures.</summary>
internal sealed record FleetMeasurement(
    BenchOptions Options, long T0UnixNs, long TriggersDoneUnixNs, TriggerThroughput.Fired Fired, TerminalWait.Outcome Wait,
    List<FleetRun> Runs, string PickupFrom, DockerEventStream Events, double RunnersReadySeconds, string RunnerCommand, int WarmupRuns);

/// <summary>The fleet phase's figures and checks, from the stored runs and the Docker start events.</summary>
internal static class FleetFigures
{
    public static FleetResult Compute(FleetMeasurement m, IReadOnlyList<FleetRunnerStop> stops, List<string> problems)
    {
        var o = m.Options;
        var runs = m.Runs;
        var triggered = o.FleetRuns - m.Fired.Failed;
        var byStatus = runs.GroupBy(r => r.Status).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var succeeded = byStatus.GetValueOrDefault(RunStatus.Succeeded.Name());

        // Container starts per run, from the engine's own events (labels org.narwhal.run-id).
        var startCounts = m.Events.Counts("start");
        int Starts(FleetRun r) => startCounts.GetValueOrDefault(r.Id.ToString());
        var twice = runs.Where(r => Starts(r) > 1).ToList();
        var never = runs.Where(r => Starts(r) == 0).ToList();
        var claimedAgain = runs.Count(r => r.Attempt > 1);

        var finished = runs.Where(r => r.FinishedAt is not null).Select(r => WallClock.UnixNs(r.FinishedAt!.Value)).DefaultIfEmpty(0).Max();
        var total = finished > 0 ? (finished - m.T0UnixNs) / 1e9 : double.NaN;
        var observed = m.Wait.AllTerminalUnixNs is { } all ? (all - m.T0UnixNs) / 1e9 : double.NaN;

        var pickup = runs.Where(r => r.StartedAt is not null).Select(r => (r.StartedAt!.Value - r.QueuedAt).TotalMilliseconds);
        var toTerminal = runs.Where(r => r.FinishedAt is not null).Select(r => (r.FinishedAt!.Value - r.CreatedAt).TotalMilliseconds);
        var claimToStart = runs.Where(r => r.StartedAt is not null)
            .Select(r => m.Events.First(r.Id.ToString(), "start") is { } start ? WallClock.Ms(WallClock.UnixNs(r.StartedAt!.Value), start.TimeNano) : double.NaN);

        problems.InsertRange(0, Checks(m, triggered, runs.Count, succeeded, byStatus, twice, never, claimedAgain));
        var errors = m.Fired.Errors.Select(e => $"trigger: {e}")
            .Concat(runs.Where(r => r.Status != RunStatus.Succeeded.Name()).Take(5).Select(r => $"run {r.Id} {r.Status}: {r.StatusReason}"))
            .Concat(twice.Take(5).Select(r => $"run {r.Id}: {Starts(r)} container starts ({r.Status}, attempt {r.Attempt}, Runner {r.RunnerId})"))
            .Concat(never.Take(5).Select(r => $"run {r.Id}: no container start event ({r.Status}, Runner {r.RunnerId ?? "none"})"))
            .ToList();

        return new FleetResult(o.FleetRuns, o.FleetRunners, o.FleetSlots, o.FleetConcurrency, m.WarmupRuns, m.RunnerCommand, FleetPhase.SetupNote(o), m.RunnersReadySeconds,
            triggered, m.Fired.Failed, m.Fired.Elapsed.TotalSeconds, triggered / m.Fired.Elapsed.TotalSeconds,
            Series.Of("trigger → 201 answer", m.Fired.LatenciesMs),
            byStatus, succeeded, m.Wait.StoppedBecause,
            runs.Sum(Starts), twice.Count, never.Count, claimedAgain,
            total, observed, succeeded / total,
            m.PickupFrom,
            Series.Of("pickup: queued → claimed", pickup),
            Series.Of("slot refill: run finished → next claim", SlotRefill(runs, o.FleetSlots, m.TriggersDoneUnixNs)),
            Series.Of("claimed → container start (event)", claimToStart),
            Series.Of("trigger → terminal (created → finished)", toTerminal),
            runs.GroupBy(r => r.RunnerId ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            stops, errors, problems);
    }

    private static IEnumerable<string> Checks(FleetMeasurement m, int triggered, int stored, int succeeded, Dictionary<string, int> byStatus,
        List<FleetRun> twice, List<FleetRun> never, int claimedAgain)
    {
        if (m.Fired.Failed > 0) yield return $"{m.Fired.Failed} of {m.Options.FleetRuns} triggers failed; first: {m.Fired.Errors.FirstOrDefault()}";
        if (stored != triggered) yield return $"{stored} runs stored, but {triggered} triggers were accepted";
        if (succeeded != stored) yield return $"{stored - succeeded} of {stored} runs did not succeed ({string.Join(", ", byStatus.Select(s => $"{s.Value} {s.Key}"))})";
        if (twice.Count > 0) yield return $"EXECUTED TWICE: {twice.Count} run(s) with more than one container start, e.g. {twice[0].Id}";
        if (never.Count > 0) yield return $"{never.Count} run(s) without any container start event, e.g. {never[0].Id} ({never[0].Status})";
        if (claimedAgain > 0) yield return $"{claimedAgain} run(s) claimed more than once (runs.attempt > 1)";
    }

    /// <summary>
    /// How long a freed slot stays empty while runs are waiting. Per Runner (S slots, pull only while
    /// a slot is free), the k-th run to finish frees the slot the (S+k)-th claim takes: gap =
    /// claim[S+k] − finish[k], both from Postgres. Only slots freed after the last trigger was
    /// answered count (before that the queue may have been momentarily empty).
    /// </summary>
    private static IEnumerable<double> SlotRefill(List<FleetRun> runs, int slots, long triggersDoneUnixNs) =>
        SlotModel.FreedAt(runs, slots, r => r.RunnerId, r => r.StartedAt, r => r.FinishedAt)
            .Where(f => f.Value is { } freed && WallClock.UnixNs(freed) >= triggersDoneUnixNs)
            .Select(f => (f.Key.StartedAt!.Value - f.Value!.Value).TotalMilliseconds);
}
