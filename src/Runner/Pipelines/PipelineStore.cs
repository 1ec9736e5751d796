using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Npgsql;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// Records a planned pipeline: in one transaction fenced by the planning attempt, the run becomes a
/// pipeline (no Runner of its own from now on), every step gets its row, and the database releases the
/// steps without needs (narwhal_advance_pipeline, migrations/0012_pipelines.sql). A kill at any moment
/// leaves either nothing recorded (the run is still the planner's, and lost with it) or all of it.
/// </summary>
public sealed class PipelineStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Safe to repeat: a retry after a lost answer finds the pipeline recorded by this very attempt and
    /// returns. Throws <see cref="StaleAttemptException"/> when the attempt is no longer current.
    /// </summary>
    public async Task RecordAsync(ClaimedRun parent, string? commitSha, bool failFast, IReadOnlyList<PlannedStep> steps, CancellationToken ct)
    {
        var run = parent.Run;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET pipeline = true, fail_fast = @failFast, runner_id = NULL,
                commit_sha = COALESCE(@commitSha, commit_sha), updated_at = now()
            WHERE id = @id AND attempt_id = @attemptId AND status = @running AND NOT pipeline
            """, new { id = run.Id, attemptId = parent.AttemptId, failFast, commitSha, running = RunStatus.Running.Name() }, tx, cancellationToken: ct));
        if (updated == 0)
        {
            var recorded = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE id = @id AND attempt_id = @attemptId AND pipeline)",
                new { id = run.Id, attemptId = parent.AttemptId }, tx, cancellationToken: ct));
            if (recorded) return;
            throw new StaleAttemptException(run.Id, parent.AttemptId);
        }

        for (var position = 0; position < steps.Count; position++)
        {
            var step = steps[position];
            var id = Guid.CreateVersion7();
            // The step's row is a run of the same job, number, trigger and commit, waiting for its needs.
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO runs (id, job_id, job_name, number, status, status_reason, finished_at, resource_class, commit_sha, branch,
                                  parameters, trigger, parent_run_id, concurrency_key)
                SELECT @id, p.job_id, p.job_name, p.number, @status, @SkipReason, CASE WHEN @SkipReason::text IS NULL THEN NULL ELSE now() END,
                       @ResourceClass, p.commit_sha, p.branch, p.parameters, p.trigger, p.id, @concurrencyKey
                FROM runs p WHERE p.id = @parentId
                """, new
            {
                id, parentId = run.Id, step.SkipReason, step.ResourceClass,
                // Left out by its condition: ended before it began, and never released.
                status = (step.SkipReason is null ? RunStatus.Waiting : RunStatus.Skipped).Name(),
                concurrencyKey = step.ConcurrencyGroup is { } group ? ConcurrencyKey.OfGroup(group) : null,
            }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO run_steps (run_id, parent_run_id, key, position, needs, artifacts_from, run_when, allow_failure,
                                       retry_on_lost, concurrency_limit, definition, matrix, block)
                VALUES (@id, @parentId, @Key, @position, @needs, @artifactsFrom, @when, @AllowFailure,
                        @RetryOnLost, @concurrencyLimit, @definition::jsonb, @matrix::jsonb, @block::jsonb)
                """, new
            {
                id, parentId = run.Id, step.Key, position, needs = step.Needs.ToArray(), artifactsFrom = step.ArtifactsFrom.ToArray(),
                when = step.When.Name(), step.AllowFailure, step.RetryOnLost,
                concurrencyLimit = step.ConcurrencyGroup is null ? (int?)null : step.Concurrency ?? 1,
                definition = Json.Serialize(step.Definition),
                matrix = step.Matrix is null ? null : Json.Serialize(step.Matrix),
                block = step.Block is null ? null : Json.Serialize(step.Block),
            }, tx, cancellationToken: ct));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT narwhal_advance_pipeline(@id)", new { id = run.Id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
