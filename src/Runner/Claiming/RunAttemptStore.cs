using Dapper;
using Narwhal.Contracts;
using Narwhal.Core.Jobs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Persistence;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Narwhal.Runner.JobConfigs;
using Narwhal.Runner.Pipelines;
using Npgsql;

namespace Narwhal.Runner.Claiming;

/// <summary>
/// The Runner's writes to runs. A claim moves a run from queued to running atomically and mints
/// a new attempt id; every later write names that attempt and is refused when it is no longer
/// current (fencing), so a Runner that was cut off can never overwrite what happened since.
/// </summary>
public sealed class RunAttemptStore(NpgsqlDataSource db)
{
    private static readonly string[] FinishableFrom = RunStatusTransitions.SourcesOf(RunStatus.Succeeded)
        .Select(s => s.Name()).ToArray();

    public async Task<ClaimResult> ClaimAsync(Guid runId, string runnerId, CancellationToken ct) =>
        (await ClaimTimedAsync(runId, runnerId, Guid.CreateVersion7(), ct)).Result;

    /// <summary>A claim, and how long the run waited for it: claim time − runs.queued_at, both the database's clock.</summary>
    public sealed record TimedClaim(ClaimResult Result, TimeSpan? PickupLatency);

    /// <summary>
    /// Moves the run from queued to running under <paramref name="attemptId"/>. Safe to repeat with
    /// the same attempt id: when the first try committed but its answer was lost (a dropped
    /// connection), the retry finds the run running under this very attempt and claims it again,
    /// unchanged (same attempt number and start time). The caller mints one attempt id per delivery.
    /// </summary>
    public async Task<TimedClaim> ClaimTimedAsync(Guid runId, string runnerId, Guid attemptId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // In SET, "status" and the other columns are the row's values before this update.
        var claimed = (await connection.QueryAsync<RunRow, double, (RunRow Row, double WaitedSeconds)>(new CommandDefinition($"""
            UPDATE runs
            SET status = @running,
                attempt = CASE WHEN status = @queued THEN attempt + 1 ELSE attempt END,
                started_at = CASE WHEN status = @queued THEN now() ELSE started_at END,
                status_reason = CASE WHEN status = @queued THEN NULL ELSE status_reason END,
                attempt_id = @attemptId, runner_id = @runnerId, updated_at = now(), exit_code = NULL
            WHERE id = @runId AND (status = @queued OR (status = @running AND attempt_id = @attemptId))
            RETURNING {RunRow.Columns}, EXTRACT(EPOCH FROM started_at - queued_at)::float8 AS waited_seconds
            """, new { runId, attemptId, runnerId, running = RunStatus.Running.Name(), queued = RunStatus.Queued.Name() },
            cancellationToken: ct), (row, waited) => (row, waited), splitOn: "waited_seconds")).SingleOrDefault();
        if (claimed.Row is not { } row)
        {
            var status = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
                "SELECT status FROM runs WHERE id = @runId", new { runId }, cancellationToken: ct));
            return new TimedClaim(status is null ? ClaimResult.NotFound : new ClaimResult(null, RunStatusNames.Parse(status)), null);
        }

        // The job, and the step's recorded definition when the run is a pipeline's step, with the inputs of the
        // pipeline's approved gates: one round trip.
        var plan = await connection.QuerySingleAsync<ClaimPlanRow>(new CommandDefinition("""
            SELECT j.spec::text AS spec, s.parent_run_id, s.key, s.step_attempt, s.definition::text AS definition, s.artifacts_from,
                   (SELECT EXTRACT(EPOCH FROM now() - max(nr.finished_at))::float8
                    FROM run_steps ns JOIN runs nr ON nr.id = ns.run_id
                    WHERE ns.parent_run_id = s.parent_run_id AND ns.superseded_at IS NULL AND ns.key = ANY (s.needs)) AS since_needs_ended,
                   (SELECT jsonb_object_agg(i.key, i.value ORDER BY g.position)::text
                    FROM run_steps g CROSS JOIN LATERAL jsonb_each_text(g.decision_inputs) i
                    WHERE g.parent_run_id = s.parent_run_id AND g.superseded_at IS NULL AND g.decision = @approved) AS approved_inputs
            FROM jobs j LEFT JOIN run_steps s ON s.run_id = @runId
            WHERE j.id = @JobId
            """, new { row.JobId, runId, approved = BlockDecision.Approved.Name() }, cancellationToken: ct));
        var step = plan.Key is null ? null
            : new ClaimedStep(plan.ParentRunId!.Value, plan.Key, plan.StepAttempt,
                ApprovedInputs.MergeInto(Json.Deserialize<JobConfig>(plan.Definition!), plan.ApprovedInputs), plan.ArtifactsFrom ?? [])
            {
                SinceNeedsEnded = plan.SinceNeedsEnded is { } seconds ? TimeSpan.FromSeconds(Math.Max(0, seconds)) : null,
            };
        return new TimedClaim(new ClaimResult(new ClaimedRun(row.ToRun(), Json.Deserialize<JobSpec>(plan.Spec), attemptId) { Step = step }, null),
            TimeSpan.FromSeconds(claimed.WaitedSeconds));
    }

    private sealed class ClaimPlanRow
    {
        public string Spec { get; set; } = "{}";
        public Guid? ParentRunId { get; set; }
        public string? Key { get; set; }
        public int StepAttempt { get; set; }
        public string? Definition { get; set; }
        public string[]? ArtifactsFrom { get; set; }
        public double? SinceNeedsEnded { get; set; }
        public string? ApprovedInputs { get; set; }
    }

    /// <summary>
    /// Undoes a claim this Runner will not execute (its answer never came, or the claim could not be
    /// completed): the run goes back to queued as if never claimed, with an ExecuteRun outbox row in
    /// the same transaction, so it is delivered again whatever became of the original message (a
    /// redelivery that found the run still claimed was skipped by another Runner). False when the run
    /// is not held by this attempt (the claim never committed, or it has moved on): nothing to undo.
    /// </summary>
    public async Task<bool> ReleaseAsync(Guid runId, Guid attemptId, TimeProvider clock, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var released = await connection.QuerySingleOrDefaultAsync<(string JobName, int Number, string ResourceClass)?>(new CommandDefinition("""
            UPDATE runs
            SET status = @queued, attempt = attempt - 1, attempt_id = NULL, runner_id = NULL, started_at = NULL, updated_at = now()
            WHERE id = @runId AND attempt_id = @attemptId AND status = @running
            RETURNING job_name, number, resource_class
            """, new { runId, attemptId, running = RunStatus.Running.Name(), queued = RunStatus.Queued.Name() }, tx, cancellationToken: ct));
        if (released is not { } run) return false;
        var message = new ExecuteRun
        {
            RunId = runId, JobName = run.JobName, RunNumber = run.Number, ResourceClass = run.ResourceClass, EnqueuedAt = clock.GetUtcNow(),
        };
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(OutboxStore.InsertSql, new
        {
            RunId = runId, Queue = RunQueues.QueueName(run.ResourceClass), MessageType = nameof(ExecuteRun), Payload = Json.Serialize(message),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Records the commit a branch resolved to at fetch time. Fenced like every Runner write.</summary>
    public async Task RecordCommitAsync(Guid runId, Guid attemptId, string commitSha, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET commit_sha = @commitSha, updated_at = now()
            WHERE id = @runId AND attempt_id = @attemptId AND status = @running
            """, new { runId, attemptId, commitSha, running = RunStatus.Running.Name() }, cancellationToken: ct));
        if (updated == 0) throw new StaleAttemptException(runId, attemptId);
    }

    /// <summary>
    /// Ends the attempt. Safe to repeat: a retry after a lost answer finds the same outcome recorded
    /// by this attempt and returns. Throws <see cref="StaleAttemptException"/> when the attempt is not
    /// current (superseded, declared lost, or ended otherwise).
    /// </summary>
    public async Task FinishAsync(Guid runId, Guid attemptId, RunCompletion completion, CancellationToken ct)
    {
        if (!RunStatusTransitions.CanTransition(RunStatus.Running, completion.Status) || completion.Status == RunStatus.Queued)
            throw new ArgumentException($"A Runner cannot end a run as {completion.Status.Name()}.", nameof(completion));

        await using var connection = await db.OpenConnectionAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs
            SET status = @status, exit_code = @ExitCode, status_reason = @Reason, log_key = COALESCE(@LogKey, log_key),
                log_size = COALESCE(@LogSize, log_size), log_truncated = @LogTruncated, finished_at = now(), updated_at = now()
            WHERE id = @runId AND attempt_id = @attemptId AND status = ANY(@from)
            """, new
        {
            runId, attemptId, status = completion.Status.Name(), completion.ExitCode, completion.Reason, completion.LogKey,
            completion.LogSize, completion.LogTruncated, from = FinishableFrom
        },
            cancellationToken: ct));
        if (updated > 0) return;
        // A retry of a write whose answer was lost finds its own outcome already there: done.
        var already = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM runs WHERE id = @runId AND attempt_id = @attemptId AND status = @status
                           AND exit_code IS NOT DISTINCT FROM @ExitCode)
            """, new { runId, attemptId, status = completion.Status.Name(), completion.ExitCode }, cancellationToken: ct));
        if (!already) throw new StaleAttemptException(runId, attemptId);
    }

    /// <summary>
    /// Attaches the stored console log of an attempt whose outcome was not taken (the run was ended
    /// without it, say declared lost while the database was away): an uploaded log stays readable
    /// whatever the final status. Only while the attempt is still the run's last one and the run has
    /// no log of its own; false otherwise.
    /// </summary>
    public async Task<bool> AttachLogAsync(Guid runId, Guid attemptId, string logKey, long logSize, bool logTruncated, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET log_key = @logKey, log_size = @logSize, log_truncated = @logTruncated, updated_at = now()
            WHERE id = @runId AND attempt_id = @attemptId AND log_key IS NULL AND results_expired_at IS NULL
            """, new { runId, attemptId, logKey, logSize, logTruncated }, cancellationToken: ct)) > 0;
    }

    /// <summary>True while the attempt is the run's current one and still running.</summary>
    public async Task<bool> IsCurrentAsync(Guid runId, Guid attemptId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE id = @runId AND attempt_id = @attemptId AND status = @running)",
            new { runId, attemptId, running = RunStatus.Running.Name() }, cancellationToken: ct));
    }

    /// <summary>What the database says about attempts a Runner is executing.</summary>
    public sealed record AttemptState(Guid RunId, bool Current, string? AbortRequestedBy);

    /// <summary>
    /// For each attempt: whether it is still the run's current, running attempt, and whether an
    /// abort was requested (of the run, or of the pipeline it is a step of). The Runner's safety net behind the abort broadcast and for fencing.
    /// </summary>
    public async Task<IReadOnlyList<AttemptState>> CheckAsync(IReadOnlyList<(Guid RunId, Guid AttemptId)> attempts, CancellationToken ct)
    {
        if (attempts.Count == 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<(Guid Id, Guid? AttemptId, string Status, string? AbortRequestedBy, DateTime? AbortRequestedAt)>(
            new CommandDefinition("""
                SELECT r.id, r.attempt_id, r.status,
                       CASE WHEN r.abort_requested_at IS NOT NULL THEN r.abort_requested_by ELSE p.abort_requested_by END,
                       COALESCE(r.abort_requested_at, p.abort_requested_at)
                FROM runs r LEFT JOIN runs p ON p.id = r.parent_run_id
                WHERE r.id = ANY(@ids)
                """, new { ids = attempts.Select(a => a.RunId).ToArray() }, cancellationToken: ct)))
            .ToDictionary(r => r.Id);
        return attempts.Select(a => rows.TryGetValue(a.RunId, out var row)
                ? new AttemptState(a.RunId, row.AttemptId == a.AttemptId && row.Status == RunStatus.Running.Name(),
                    row.AbortRequestedAt is null ? null : row.AbortRequestedBy ?? "unknown")
                : new AttemptState(a.RunId, false, null))
            .ToList();
    }
}
