using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Runs;

public enum StepRetryOutcome
{
    /// <summary>New attempts of the steps are waiting or already released; the run is running again.</summary>
    Retried,
    NotFound,
    /// <summary>A run without steps: re-run it instead.</summary>
    NotPipeline,
    UnknownStep,
    /// <summary>The step has not ended (waiting, queued or running).</summary>
    StepActive,
    /// <summary>retry-failed of a run none of whose steps failed.</summary>
    NothingFailed,
    /// <summary>Retention deleted the run's results: the artifacts the new attempts would receive are gone.</summary>
    Expired,
    /// <summary>The run's job has been deleted.</summary>
    JobDeleted,
}

/// <param name="Retried">Keys of the steps given a new attempt, in step order.</param>
public sealed record StepRetryResult(StepRetryOutcome Outcome, Run? Run, IReadOnlyList<RunStep>? Steps = null, IReadOnlyList<string>? Retried = null);

/// <summary>
/// Retry of a pipeline's steps without redoing what worked, in one transaction under the run's row lock: the step's
/// current attempt (which must have ended) is superseded by a new waiting attempt, and so is every step downstream of
/// it whose current attempt ended without succeeding; an ended run is re-opened; then the database releases what is
/// ready (<c>narwhal_advance_pipeline</c>: queued with an outbox row, in the same transaction).
/// </summary>
/// <remarks>
/// The run's lock is taken first and no step's row is locked (the lock order of migrations/0012: a transaction that
/// ends a step locks the step, then the run). A step that ends passes through the run's lock, so the attempts read
/// here as ended stay the ones that count until commit, and one read as not ended (a claim may still start it) is
/// left alone.
/// </remarks>
public sealed class StepRetryStore(NpgsqlDataSource db)
{
    /// <summary>What retry-failed starts from (and what counts as not having succeeded, besides skipped).</summary>
    private static readonly RunStatus[] Failed = [RunStatus.Failed, RunStatus.TimedOut, RunStatus.Error, RunStatus.Lost, RunStatus.Aborted];

    public Task<StepRetryResult> RetryStepAsync(Guid runId, string key, CancellationToken ct) => RetryAsync(runId, key, ct);

    public Task<StepRetryResult> RetryFailedAsync(Guid runId, CancellationToken ct) => RetryAsync(runId, null, ct);

    private async Task<StepRetryResult> RetryAsync(Guid runId, string? key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var run = (await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @runId AND parent_run_id IS NULL FOR UPDATE",
            new { runId }, tx, cancellationToken: ct)))?.ToRun();
        if (run is null) return new StepRetryResult(StepRetryOutcome.NotFound, null);
        if (!run.Pipeline) return new StepRetryResult(StepRetryOutcome.NotPipeline, run);
        if (run.ResultsExpiredAt is not null) return new StepRetryResult(StepRetryOutcome.Expired, run);
        // Key share: a concurrent DELETE /jobs (FOR UPDATE, then its check for active runs) waits for this retry.
        var jobLive = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT deleted_at IS NULL FROM jobs WHERE id = @JobId FOR KEY SHARE", run, tx, cancellationToken: ct));
        if (!jobLive) return new StepRetryResult(StepRetryOutcome.JobDeleted, run);

        var steps = await RunStepStore.CurrentInAsync(connection, tx, runId, ct);
        IReadOnlyList<RunStep> seeds;
        if (key is not null)
        {
            var step = steps.FirstOrDefault(s => s.Key == key);
            if (step is null) return new StepRetryResult(StepRetryOutcome.UnknownStep, run, steps);
            if (step.Row.Status.IsActive()) return new StepRetryResult(StepRetryOutcome.StepActive, run, [step]);
            seeds = [step];
        }
        else
        {
            seeds = steps.Where(s => Failed.Contains(s.Row.Status)).ToList();
            if (seeds.Count == 0) return new StepRetryResult(StepRetryOutcome.NothingFailed, run, steps);
        }

        var retried = WithDependents(steps, seeds);
        await SupersedeAsync(connection, tx, retried, ct);
        // Re-opened as a whole: a fresh start for the status the database derives from the steps when they end.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET status = @running, finished_at = NULL, exit_code = NULL, status_reason = NULL,
                abort_requested_at = NULL, abort_requested_by = NULL, updated_at = now()
            WHERE id = @runId AND NOT (status = ANY(@active))
            """, new { runId, running = RunStatus.Running.Name(), active = Active }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT narwhal_advance_pipeline(@runId)", new { runId }, tx, cancellationToken: ct));

        var after = (await connection.QuerySingleAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @runId", new { runId }, tx, cancellationToken: ct))).ToRun();
        var now = await RunStepStore.CurrentInAsync(connection, tx, runId, ct);
        await tx.CommitAsync(ct);
        return new StepRetryResult(StepRetryOutcome.Retried, after, now, retried.Select(s => s.Key).ToList());
    }

    private static readonly string[] Active = [.. Enum.GetValues<RunStatus>().Where(s => s.IsActive()).Select(s => s.Name())];

    /// <summary>
    /// The seeds and every step downstream of them (needs, followed transitively) whose current attempt ended without
    /// succeeding, in step order. Downstream steps still waiting stay as they are: they wait for the new attempts.
    /// </summary>
    private static List<RunStep> WithDependents(IReadOnlyList<RunStep> steps, IReadOnlyList<RunStep> seeds)
    {
        var reached = new HashSet<string>(seeds.Select(s => s.Key), StringComparer.Ordinal);
        var frontier = new Queue<string>(reached);
        while (frontier.TryDequeue(out var key))
            foreach (var dependent in steps.Where(s => s.Needs.Contains(key, StringComparer.Ordinal)))
                if (reached.Add(dependent.Key)) frontier.Enqueue(dependent.Key);
        var seedKeys = seeds.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        return steps.Where(s => seedKeys.Contains(s.Key)
                                || reached.Contains(s.Key) && s.Row.Status.IsTerminal() && s.Row.Status != RunStatus.Succeeded).ToList();
    }

    /// <summary>Each attempt superseded and its successor inserted: a new waiting runs row and the same place in the graph, one attempt on.</summary>
    private static async Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<RunStep> retried, CancellationToken ct)
    {
        var olds = retried.Select(s => s.Row.Id).ToArray();
        var news = retried.Select(_ => Guid.CreateVersion7()).ToArray();
        // Superseded first: one current attempt per key (run_steps_current) at every moment.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE run_steps SET superseded_at = now() WHERE run_id = ANY(@olds);

            INSERT INTO runs (id, job_id, job_name, number, status, resource_class, commit_sha, branch, parameters, trigger,
                              concurrency_key, parent_run_id, created_at, updated_at)
            SELECT p.new_id, r.job_id, r.job_name, r.number, @waiting, r.resource_class, r.commit_sha, r.branch, r.parameters, r.trigger,
                   r.concurrency_key, r.parent_run_id, clock_timestamp(), clock_timestamp()
            FROM unnest(@olds, @news) AS p (old_id, new_id) JOIN runs r ON r.id = p.old_id;

            INSERT INTO run_steps (run_id, parent_run_id, key, position, step_attempt, needs, artifacts_from, run_when, allow_failure,
                                   retry_on_lost, concurrency_limit, definition, block)
            SELECT p.new_id, s.parent_run_id, s.key, s.position, s.step_attempt + 1, s.needs, s.artifacts_from, s.run_when, s.allow_failure,
                   s.retry_on_lost, s.concurrency_limit, s.definition, s.block
            FROM unnest(@olds, @news) AS p (old_id, new_id) JOIN run_steps s ON s.run_id = p.old_id;
            """, new { olds, news, waiting = RunStatus.Waiting.Name() }, tx, cancellationToken: ct));
    }
}
