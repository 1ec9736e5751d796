using System.Diagnostics;
using Dapper;
using Narwhal.Bench;
using Narwhal.Core.Runs;

namespace Narwhal.Chaos;

/// <summary>One run as the database has it at the end of an experiment.</summary>
public sealed record RunOutcome(Guid Id, string JobName, string Status, int Attempt, int LostRetries, DateTime? FinishedAt, string? StatusReason);

/// <summary>
/// Waits for an experiment's runs to end and counts what happened to them. Executions are counted
/// from the Docker engine's <c>start</c> events of containers labelled with the run id, not from
/// Narwhal's own records: a run Narwhal believes ran once but whose container started twice counts twice.
/// </summary>
public static class Tally
{
    private static readonly string[] Unfinished = [RunStatus.Queued.Name(), RunStatus.Running.Name()];

    /// <summary>
    /// Polls the runs' statuses (one GROUP BY query, straight to Postgres, never through a fault proxy) until
    /// none is queued or running, <paramref name="limit"/> has passed, or nothing ended for <paramref name="stall"/>.
    /// </summary>
    public static async Task<string?> WaitUntilEndedAsync(ChaosStack chaos, IReadOnlyList<AcceptedRun> runs, TimeSpan limit, TimeSpan stall,
        CancellationToken ct)
    {
        var ids = runs.Select(r => r.Id).ToArray();
        var clock = Stopwatch.StartNew();
        var lastChange = clock.Elapsed;
        long lastOpen = -1;
        while (true)
        {
            long open;
            try
            {
                await using var connection = await chaos.Stack.Database.DataSource.OpenConnectionAsync(ct);
                open = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM runs WHERE id = ANY(@ids) AND status = ANY(@open)", new { ids, open = Unfinished }, cancellationToken: ct));
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && Narwhal.Core.Resilience.TransientErrors.IsTransient(ex))
            {
                // The suite's own look at the database meets the fault it injected (a real restart): look again.
                await Task.Delay(250, ct);
                continue;
            }
            if (open == 0) return null;
            if (open != lastOpen) (lastOpen, lastChange) = (open, clock.Elapsed);
            if (clock.Elapsed > limit) return $"{open} run(s) still queued or running after {limit.TotalSeconds:0} s";
            if (clock.Elapsed - lastChange > stall) return $"{open} run(s) still queued or running, none ended for {stall.TotalSeconds:0} s";
            await Task.Delay(250, ct);
        }
    }

    public static async Task<IReadOnlyList<RunOutcome>> LoadAsync(ChaosStack chaos, IReadOnlyList<AcceptedRun> runs, CancellationToken ct)
    {
        await using var connection = await chaos.Stack.Database.DataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RunOutcome>(new CommandDefinition("""
            SELECT id, job_name AS jobname, status, attempt, lost_retries AS lostretries, finished_at AS finishedat, status_reason AS statusreason
            FROM runs WHERE id = ANY(@ids)
            """, new { ids = runs.Select(r => r.Id).ToArray() }, cancellationToken: ct));
        return rows.ToList();
    }

    /// <summary>The Docker events of the last containers may trail the runs' end by a moment: wait (bounded) until every ended run's die event is in.</summary>
    public static async Task SettleEventsAsync(DockerEventStream events, IReadOnlyList<AcceptedRun> runs)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var starts = events.Counts("start");
            var dies = events.Counts("die");
            if (runs.All(r => starts.GetValueOrDefault(r.Id.ToString()) <= dies.GetValueOrDefault(r.Id.ToString()))) return;
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The row of one experiment and the promise checked run by run: every accepted run stored and
    /// ended (executed or reported), none executed more often than 1 + its job's <c>retry.onLost</c>,
    /// none reported succeeded without a container having started, and — when <paramref name="runnerDies"/> is
    /// false (the experiment kills no Runner) — none ended <c>lost</c>.
    /// </summary>
    public static ExperimentRow Count(string name, StormResult storm, IReadOnlyList<RunOutcome> outcomes, DockerEventStream events,
        IReadOnlyDictionary<string, int> onLostByJob, TimeSpan? timeToFlag, DateTime? faultAt, IReadOnlyList<string> leftovers,
        string? waitProblem, IReadOnlyList<string> notes, bool runnerDies)
    {
        var violations = new List<string>();
        var byId = outcomes.ToDictionary(o => o.Id);
        var starts = events.Counts("start");
        int succeeded = 0, failed = 0, lost = 0, aborted = 0, other = 0, stuck = 0, twice = 0, retried = 0, neverStarted = 0;
        foreach (var run in storm.Accepted)
        {
            var executions = starts.GetValueOrDefault(run.Id.ToString());
            if (executions == 0) neverStarted++;
            if (!byId.TryGetValue(run.Id, out var outcome))
            {
                violations.Add($"run {run.Id} ({run.Job}) was accepted (201) but is not in the database");
                continue;
            }
            var allowed = 1 + onLostByJob.GetValueOrDefault(run.Job);
            if (executions > allowed)
            {
                twice++;
                violations.Add($"run {run.Id} ({run.Job}, retry.onLost {allowed - 1}) executed {executions} times (container starts); " +
                    $"status {outcome.Status}, attempt {outcome.Attempt}");
            }
            else if (executions > 1) retried++;
            switch (RunStatusNames.Parse(outcome.Status))
            {
                case RunStatus.Succeeded:
                    succeeded++;
                    if (executions == 0) violations.Add($"run {run.Id} ({run.Job}) reported succeeded, but no container of it ever started");
                    break;
                case RunStatus.Failed: failed++; break;
                case RunStatus.Lost:
                    lost++;
                    // Lost means "its Runner vanished". Where no Runner died, the fault was transient (an outage,
                    // a cut connection) and a live Runner should have carried the run to its real end.
                    if (!runnerDies)
                        violations.Add($"run {run.Id} ({run.Job}) ended lost although no Runner died ({executions} start(s)): {Shorten(outcome.StatusReason ?? "no reason")}");
                    break;
                case RunStatus.Aborted: aborted++; break;
                case RunStatus.Queued or RunStatus.Running:
                    stuck++;
                    violations.Add($"run {run.Id} ({run.Job}) still {outcome.Status} at the end (attempt {outcome.Attempt}, {executions} start(s)): neither executed to an end nor reported");
                    break;
                default: other++; break;
            }
        }
        // Without a measured time (the Runner-kill experiment measures it itself): the last lost run's end after the fault.
        if (timeToFlag is null && faultAt is { } at && outcomes.Where(o => o.Status == RunStatus.Lost.Name() && o.FinishedAt is not null).ToList() is { Count: > 0 } lostRuns)
            timeToFlag = lostRuns.Max(o => DateTime.SpecifyKind(o.FinishedAt!.Value, DateTimeKind.Utc)) - at;
        var allNotes = new List<string>(notes);
        if (waitProblem is not null) allNotes.Add($"stopped waiting: {waitProblem}");
        if (storm.Refused > 0) allNotes.Add($"{storm.Refused} trigger(s) not accepted (not part of the promise); first: {storm.FirstErrors.FirstOrDefault()}");
        if (events.Failure is { } failure) violations.Add($"the Docker events stream failed ({failure.Message}): the execution counts are incomplete");
        var reasons = outcomes.Where(o => o.Status != RunStatus.Succeeded.Name() && o.Status != RunStatus.Aborted.Name() && o.StatusReason is not null)
            .GroupBy(o => $"{o.Status}: {Shorten(o.StatusReason!)}").Select(g => $"{g.Count()} × {g.Key}").Take(4);
        allNotes.AddRange(reasons);
        return new ExperimentRow(name, storm.Accepted.Count, succeeded, failed, lost, aborted, other, stuck, twice, retried, neverStarted,
            leftovers.Count, timeToFlag, violations, leftovers, allNotes);
    }

    /// <summary>A status reason without the run-specific parts that would keep equal reasons apart (times, ids).</summary>
    internal static string Shorten(string reason)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(reason, @"\d{4}-\d\d-\d\dT[\d:.]+Z?|[0-9a-f]{8}-[0-9a-f-]{27}", "…");
        return text.Length > 140 ? text[..140] + "…" : text;
    }
}
