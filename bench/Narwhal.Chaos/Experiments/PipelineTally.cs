using Dapper;
using Narwhal.Bench;
using Narwhal.Core.Runs;

namespace Narwhal.Chaos.Experiments;

/// <summary>A pipeline run as the database has it at the end: whether it was planned, and how many step rows it has.</summary>
public sealed record PipelineOutcome(Guid Id, string JobName, string Status, bool Pipeline, int Attempt, long StepRows, long CurrentSteps);

/// <summary>One step row (one step attempt) of a pipeline at the end.</summary>
public sealed record StepOutcome(Guid Id, Guid ParentId, string Key, string Status, int Attempt, int? RetryOnLost);

/// <summary>
/// Counts what became of an experiment's pipelines and of their steps. Executions are the Docker engine's
/// <c>start</c> events of containers labelled with the step row's id (<c>org.narwhal.run-id</c>), not Narwhal's records.
/// The promise for pipelines: every accepted pipeline ends; one that ended was planned whole or not at all (all its
/// steps recorded once, or none); no step executes more often than 1 + its <c>retry.onLost</c>; no step is left
/// waiting, queued or running; a step (and a pipeline) reported succeeded did execute.
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
                   (SELECT count(*) FROM run_steps s WHERE s.parent_run_id = p.id AND s.superseded_at IS NULL) AS currentsteps
            FROM runs p WHERE p.id = ANY(@ids)
            """, new { ids }, cancellationToken: ct));
        var steps = await connection.QueryAsync<StepOutcome>(new CommandDefinition("""
            SELECT c.id, c.parent_run_id AS parentid, s.key, c.status, c.attempt, s.retry_on_lost AS retryonlost
            FROM runs c JOIN run_steps s ON s.run_id = c.id WHERE c.parent_run_id = ANY(@ids)
            """, new { ids }, cancellationToken: ct));
        return (pipelines.ToList(), steps.ToList());
    }

    /// <param name="stepsPerPipeline">How many steps each pipeline's config has.</param>
    /// <param name="onLostByJob">Each job's <c>retry.onLost</c>, which its steps inherit unless they set their own.</param>
    public static ExperimentRow Count(string name, StormResult storm, IReadOnlyList<PipelineOutcome> pipelines, IReadOnlyList<StepOutcome> steps,
        DockerEventStream events, int stepsPerPipeline, IReadOnlyDictionary<string, int> onLostByJob, IReadOnlyList<string> leftovers,
        string? waitProblem, IReadOnlyList<string> notes)
    {
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
                case RunStatus.Lost: lost++; break;
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
        if (events.Failure is { } failure) violations.Add($"the Docker events stream failed ({failure.Message}): the execution counts are incomplete");
        return new ExperimentRow(name, storm.Accepted.Count, succeeded, failed, lost, aborted, other, stuck + stuckSteps, twice, retried, neverStarted,
            leftovers.Count, null, violations, leftovers, allNotes);
    }
}
