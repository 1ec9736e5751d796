using Dapper;
using Narwhal.Bench;
using Narwhal.Core.Runs;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// A pipeline run as the database has it at the end: whether it was planned, how many step rows it has, and the Runner
/// that last held it (its planner, for one never planned).
/// </summary>
public sealed record PipelineOutcome(Guid Id, string JobName, string Status, bool Pipeline, int Attempt, long StepRows, long CurrentSteps,
    string? StatusReason, string? RunnerId, DateTime? FinishedAt);

/// <summary>One step row (one step attempt) of a pipeline at the end.</summary>
public sealed record StepOutcome(Guid Id, Guid ParentId, string Key, string Status, int Attempt, int? RetryOnLost, string? StatusReason,
    string? RunnerId, DateTime? FinishedAt);

/// <summary>
/// Counts what became of an experiment's pipelines and of their steps. Executions are the Docker engine's
/// <c>start</c> events of containers labelled with the step row's id (<c>org.narwhal.run-id</c>), not Narwhal's records.
/// The promise for pipelines: every accepted pipeline ends; one that ended was planned whole or not at all (all its
/// steps recorded once, or none); no step executes more often than 1 + its <c>retry.onLost</c>; no step is left
/// waiting, queued or running; a step (and a pipeline) reported succeeded did execute; a step (or a pipeline not yet
/// planned) ends lost only when the Runner that held it was killed.
/// </summary>
public static class PipelineTally
{
    private static readonly string[] Open = [RunStatus.Waiting.Name(), RunStatus.Queued.Name(), RunStatus.Running.Name()];

    /// <summary>How many of the pipelines are still queued or running (straight to Postgres).</summary>
    public static async Task<long> OpenAsync(ChaosStack chaos, IReadOnlyList<AcceptedRun> runs, CancellationToken ct)
    {
        await using var connection = await chaos.Stack.Database.DataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM runs WHERE id = ANY(@ids) AND status = ANY(@open)",
            new { ids = runs.Select(r => r.Id).ToArray(), open = Open }, cancellationToken: ct));
    }

    public static async Task<(IReadOnlyList<PipelineOutcome> Pipelines, IReadOnlyList<StepOutcome> Steps)> LoadAsync(ChaosStack chaos,
        IReadOnlyList<AcceptedRun> runs, CancellationToken ct)
    {
        var ids = runs.Select(r => r.Id).ToArray();
        await using var connection = await chaos.Stack.Database.DataSource.OpenConnectionAsync(ct);
        var pipelines = await connection.QueryAsync<PipelineOutcome>(new CommandDefinition("""
            SELECT p.id, p.job_name AS jobname, p.status, p.pipeline, p.attempt,
                   (SELECT count(*) FROM runs c WHERE c.parent_run_id = p.id) AS steprows,
                   (SELECT count(*) FROM run_steps s WHERE s.parent_run_id = p.id AND s.superseded_at IS NULL) AS currentsteps,
                   p.status_reason AS statusreason, p.runner_id AS runnerid, p.finished_at AS finishedat
            FROM runs p WHERE p.id = ANY(@ids)
            """, new { ids }, cancellationToken: ct));
        var steps = await connection.QueryAsync<StepOutcome>(new CommandDefinition("""
            SELECT c.id, c.parent_run_id AS parentid, s.key, c.status, c.attempt, s.retry_on_lost AS retryonlost, c.status_reason AS statusreason,
                   c.runner_id AS runnerid, c.finished_at AS finishedat
            FROM runs c JOIN run_steps s ON s.run_id = c.id WHERE c.parent_run_id = ANY(@ids)
            """, new { ids }, cancellationToken: ct));
        return (pipelines.ToList(), steps.ToList());
    }

    /// <param name="stepsPerPipeline">How many steps each pipeline's config has.</param>
    /// <param name="onLostByJob">Each job's <c>retry.onLost</c>, which its steps inherit unless they set their own.</param>
    /// <param name="killed">When each Runner killed was first killed (UTC): a run lost on another Runner, or before, is a violation.</param>
    public static ExperimentRow Count(string name, StormResult storm, IReadOnlyList<PipelineOutcome> pipelines, IReadOnlyList<StepOutcome> steps,
        DockerEventStream events, int stepsPerPipeline, IReadOnlyDictionary<string, int> onLostByJob, IReadOnlyDictionary<string, DateTime> killed,
        IReadOnlyList<string> leftovers, string? waitProblem, IReadOnlyList<string> notes)
    {
        // Lost means "its Runner vanished": fine for a run its killed Runner held; else the fault was in the judgement.
        bool LostWithItsRunner(string? runnerId, DateTime? finishedAt) =>
            runnerId is not null && killed.TryGetValue(runnerId, out var at) && (finishedAt is not { } f || DateTime.SpecifyKind(f, DateTimeKind.Utc) >= at);
        var violations = new List<string>();
        var starts = events.Counts("start");
        var byId = pipelines.ToDictionary(p => p.Id);
        var stepsOf = steps.ToLookup(s => s.ParentId);
        int succeeded = 0, failed = 0, lost = 0, aborted = 0, other = 0, stuck = 0, ended = 0;
        foreach (var run in storm.Accepted)
        {
            if (!byId.TryGetValue(run.Id, out var pipeline))
            {
                violations.Add($"pipeline {run.Id} ({run.Job}) was accepted (201) but is not in the database");
                continue;
            }
            var status = RunStatusNames.Parse(pipeline.Status);
            if (status is RunStatus.Queued or RunStatus.Running)
            {
                // A pipeline that was planned is stuck through its steps (counted below); one never planned, by itself.
                if (!pipeline.Pipeline) stuck++;
                violations.Add($"pipeline {run.Id} ({run.Job}) still {pipeline.Status} at the end ({(pipeline.Pipeline ? "planned" : "never planned")}, attempt {pipeline.Attempt})");
            }
            else ended++;
            switch (status)
            {
                case RunStatus.Succeeded: succeeded++; break;
                case RunStatus.Failed: failed++; break;
                case RunStatus.Lost:
                    lost++;
                    // A planned pipeline is lost through a step (judged below); one never planned, with its planner.
                    if (!pipeline.Pipeline && !LostWithItsRunner(pipeline.RunnerId, pipeline.FinishedAt))
                        violations.Add($"pipeline {run.Id} ({run.Job}) ended lost before it was planned, although its planner {pipeline.RunnerId ?? "(none)"} was not killed: {Tally.Shorten(pipeline.StatusReason ?? "no reason")}");
                    break;
                case RunStatus.Aborted: aborted++; break;
                case RunStatus.Queued or RunStatus.Running: break;
                default: other++; break;
            }
            // Planned whole or not at all: no step row without the plan, and exactly the config's steps with it.
            if (!pipeline.Pipeline && pipeline.StepRows > 0)
                violations.Add($"pipeline {run.Id} ({run.Job}) is not recorded as planned but has {pipeline.StepRows} step row(s): a half-recorded plan");
            if (pipeline.Pipeline && (pipeline.CurrentSteps != stepsPerPipeline || pipeline.StepRows != stepsPerPipeline))
                violations.Add($"pipeline {run.Id} ({run.Job}) has {pipeline.CurrentSteps} current step(s) and {pipeline.StepRows} step row(s), not {stepsPerPipeline}: planned more than once or partly");
            if (status == RunStatus.Succeeded && stepsOf[run.Id].Any(s => s.Status != RunStatus.Succeeded.Name()))
                violations.Add($"pipeline {run.Id} ({run.Job}) succeeded with steps that did not: {string.Join(", ", stepsOf[run.Id].Where(s => s.Status != RunStatus.Succeeded.Name()).Select(s => $"{s.Key} {s.Status}"))}");
        }

        int twice = 0, retried = 0, neverStarted = 0, stuckSteps = 0;
        var jobOf = pipelines.ToDictionary(p => p.Id, p => p.JobName);
        foreach (var step in steps)
        {
            var executions = starts.GetValueOrDefault(step.Id.ToString());
            var allowed = 1 + (step.RetryOnLost ?? onLostByJob.GetValueOrDefault(jobOf[step.ParentId]));
            var where = $"step {step.Key} ({step.Id}) of pipeline {step.ParentId}";
            if (executions > allowed)
            {
                twice++;
                violations.Add($"{where} executed {executions} times (container starts), {allowed} allowed; status {step.Status}, attempt {step.Attempt}");
            }
            else if (executions > 1) retried++;
            if (executions == 0)
            {
                neverStarted++;
                if (step.Status == RunStatus.Succeeded.Name()) violations.Add($"{where} reported succeeded, but no container of it ever started");
            }
            if (step.Status == RunStatus.Lost.Name() && !LostWithItsRunner(step.RunnerId, step.FinishedAt))
                violations.Add($"{where} ended lost, although its Runner {step.RunnerId ?? "(none)"} was not killed: {Tally.Shorten(step.StatusReason ?? "no reason")}");
            if (Open.Contains(step.Status))
            {
                stuckSteps++;
                violations.Add($"{where} still {step.Status} at the end (attempt {step.Attempt}, {executions} start(s))");
            }
        }

        var allNotes = new List<string>(notes)
        {
            $"{storm.Accepted.Count} pipeline(s) of {stepsPerPipeline} steps accepted, {ended} ended (completed: succeeded, failed or lost), " +
            $"{pipelines.Count(p => p.Pipeline)} planned; steps: {steps.Count} row(s), {steps.Count(s => starts.GetValueOrDefault(s.Id.ToString()) > 0)} executed, " +
            $"{twice} executed more often than allowed, {stuckSteps} stuck, {retried} retried on loss, " +
            $"{string.Join(", ", steps.GroupBy(s => s.Status).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))}",
        };
        if (waitProblem is not null) allNotes.Add($"stopped waiting: {waitProblem}");
        if (storm.Refused > 0) allNotes.Add($"{storm.Refused} trigger(s) not accepted (not part of the promise); first: {storm.FirstErrors.FirstOrDefault()}");
        // Why the pipelines that did not succeed ended, and the steps that were lost (the path that lost them).
        allNotes.AddRange(pipelines.Where(p => p.Status != RunStatus.Succeeded.Name() && p.StatusReason is not null)
            .GroupBy(p => $"pipeline {p.Status}{(p.Pipeline ? "" : " (never planned)")}: {Tally.Shorten(p.StatusReason!)}")
            .Select(g => $"{g.Count()} × {g.Key}").Take(4));
        allNotes.AddRange(steps.Where(s => s.Status == RunStatus.Lost.Name() && s.StatusReason is not null)
            .GroupBy(s => $"step lost: {Tally.Shorten(s.StatusReason!)}").Select(g => $"{g.Count()} × {g.Key}").Take(4));
        if (events.Failure is { } failure) violations.Add($"the Docker events stream failed ({failure.Message}): the execution counts are incomplete");
        return new ExperimentRow(name, storm.Accepted.Count, succeeded, failed, lost, aborted, other, stuck + stuckSteps, twice, retried, neverStarted,
            leftovers.Count, null, violations, leftovers, allNotes);
    }
}
